import {
  camText,
  escapeMarkdown,
  renderCamBatch,
  renderCamMessage,
  renderDingTalk,
  renderRingCentralPost,
  renderRingCentralWebhook,
  renderTeamsCard,
} from './channel-renderers.js';
import { combineNotifications, type Notification } from './notification.js';

const known = {
  id: 'erika',
  displayName: 'Erika',
  channels: {
    dingtalk: { mobile: '13800000001', userId: 'erika.dt' },
    chatMessenger: { email: 'erika@acme.example' },
    ringcentral: { personId: '111' },
  },
};
const unknown = { id: 'max', displayName: 'Max' };
const message: Notification = {
  id: 'n1',
  title: 'Pump *P-101*',
  lines: ['Waiting 2 min'],
  mentions: [known, unknown],
  links: [{ label: 'Accept', url: 'https://b.example/a/1' }],
};

describe('rendering one notification per vendor', () => {
  it('escapes markdown so a title cannot become a link or bold text', () => {
    expect(escapeMarkdown('[x](http://evil) *y* _z_')).toBe(
      '\\[x\\]\\(http://evil\\) \\*y\\* \\_z\\_',
    );
  });

  it('DingTalk markdown: a mobile is preferred over a userId, shown as @<mobile>; unknown people by name', () => {
    expect(renderDingTalk(message, 'markdown')).toEqual({
      msgtype: 'markdown',
      markdown: {
        title: 'Pump *P-101*',
        text: '### Pump \\*P-101\\*\n\nWaiting 2 min\n\n[Accept](https://b.example/a/1)\n\n@13800000001 Max',
      },
      at: { atMobiles: ['13800000001'], atUserIds: [], isAtAll: false },
      msgUuid: 'n1',
    });
  });

  it('DingTalk actionCard without an action falls back to markdown', () => {
    expect(renderDingTalk({ ...message, links: [] }, 'actionCard')).toMatchObject({
      msgtype: 'markdown',
    });
  });

  it('Chat&Messenger: emails become users, others are named in the text', () => {
    expect(renderCamMessage(message, undefined)).toEqual({
      panelName: 'messenger',
      message: 'Pump *P-101*\nWaiting 2 min\nAccept: https://b.example/a/1\nFor: Max',
      isOpened: false,
      generalPurposes: { users: 'erika@acme.example' },
    });
    expect(renderCamMessage(message, 'Room').panelName).toBe('Room');
    expect(renderCamBatch([message])).toEqual([
      { message: camText(message).text, property: { users: 'erika@acme.example' } },
    ]);
  });

  it('RingCentral: ![:Person](id) in a REST post; names in a webhook', () => {
    expect(renderRingCentralPost(message).text).toBe(
      '**Pump \\*P-101\\***\nWaiting 2 min\n[Accept](https://b.example/a/1)\n![:Person](111) Max',
    );
    expect(renderRingCentralWebhook(message).text).toContain('\nErika Max');
  });

  it('DingTalk actionCard: one button per link (btns) when there are several', () => {
    const two = {
      ...message,
      links: [...message.links!, { label: 'Open', url: 'https://b.example/c/2' }],
    };
    expect(renderDingTalk(two, 'actionCard')).toMatchObject({
      msgtype: 'actionCard',
      actionCard: {
        btnOrientation: '0',
        btns: [
          { title: 'Accept', actionURL: 'https://b.example/a/1' },
          { title: 'Open', actionURL: 'https://b.example/c/2' },
        ],
      },
    });
  });

  it('Teams: an Adaptive Card with one Action.OpenUrl per link, and none without', () => {
    const card = renderTeamsCard(message) as {
      attachments: { content: { actions: unknown[]; body: { text: string }[] } }[];
    };
    expect(card.attachments[0].content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Accept', url: 'https://b.example/a/1' },
    ]);
    expect(card.attachments[0].content.body.map((block) => block.text)).toEqual([
      'Pump \\*P-101\\*',
      'Waiting 2 min',
      'For: Erika, Max',
    ]);
    const bare = renderTeamsCard({ ...message, links: undefined }) as typeof card;
    expect(bare.attachments[0].content.actions).toEqual([]);
  });
});

describe('combining notifications (aggregate rather than drop)', () => {
  const other: Notification = {
    id: 'n2',
    title: 'Call missed',
    lines: [],
    mentions: [unknown],
    links: [{ label: 'Open', url: 'https://b.example/c/2' }],
  };

  it('keeps one message as it is', () => {
    expect(combineNotifications([message])).toBe(message);
  });

  it('keeps every title and line, merges mentions by person, and keeps every link as a link', () => {
    const combined = combineNotifications([message, other]);
    expect(combined).toEqual({
      id: 'n1+n2',
      title: '2 notifications',
      lines: ['Pump *P-101*:', '  Waiting 2 min', 'Call missed'],
      mentions: [known, unknown],
      links: [
        { label: 'Pump *P-101*: Accept', url: 'https://b.example/a/1' },
        { label: 'Call missed: Open', url: 'https://b.example/c/2' },
      ],
    });
    expect(combineNotifications([message, { ...other, links: [] }]).links).toEqual([
      { label: 'Pump *P-101*: Accept', url: 'https://b.example/a/1' },
    ]);
  });

  it('refuses an empty batch', () => {
    expect(() => combineNotifications([])).toThrow(RangeError);
  });
});
