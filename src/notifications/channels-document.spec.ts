import { ChannelsFileError } from './channels-file.js';
import { parseChannelsDocument } from './channels-document.js';

const teams = { id: 'hook', type: 'teams', webhookUrl: 'https://example.invalid/x?sig=1' };
const linesOf = (input: unknown): string[] => {
  try {
    parseChannelsDocument(input, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ChannelsFileError);
    return (error as Error).message.split('\n');
  }
  throw new Error('no error');
};

describe('paging rules in the channels file', () => {
  it('reads rules per queue and channel; no "paging" means no rules', () => {
    expect(parseChannelsDocument({ channels: [teams] }, {}).rules).toEqual([]);
    const rules = [
      { queue: 'pumps', channel: 'hook', on: ['queued', 'escalated'] },
      { queue: '*', channel: 'hook', on: ['unanswered', 'missed', 'ended'] },
      { queue: 'pumps', channel: 'hook', on: ['callback', 'ended'] },
    ];
    expect(parseChannelsDocument({ channels: [teams], paging: { rules } }, {}).rules).toEqual(
      rules,
    );
  });

  it('reports one line per mistake, with the channels part', () => {
    expect(
      linesOf({
        channels: [teams, { id: 'x', type: 'fax' }],
        paging: {
          rules: [
            { queue: 'pumps', channel: 'nope', on: ['queued'] },
            { queue: 'a b', channel: 'hook', on: ['rang'], extra: 1 },
            { queue: 'pumps', channel: 'hook', on: [] },
            'queued',
          ],
          when: 'always',
        },
      }),
    ).toEqual([
      'channel "x": "type" is "fax"; use one of dingtalk, chatMessenger, ringcentral, teams',
      'paging: unknown field "when" (known: rules)',
      'paging.rules[0]: "channel" is "nope", which is no channel above',
      'paging.rules[1]: unknown field "extra" (known: queue, channel, on, reminderMinutes)',
      'paging.rules[1]: "queue" must be a queue id or "*" (any call)',
      'paging.rules[1]: "on" names "rang"; use queued, escalated, offered, callback, unanswered, missed, ended, booked, reminder, cancelled',
      'paging.rules[2]: "on" must be a non-empty array of queued, escalated, offered, callback, unanswered, missed, ended, booked, reminder, cancelled',
      'paging.rules[3]: must be an object',
    ]);
    expect(linesOf({ channels: [teams], paging: [] })).toEqual([
      '"paging" must be an object with a "rules" array',
    ]);
  });

  it('reads booked-session rules: "reminder" with its reminderMinutes, one line per mistake', () => {
    const rules = [
      { queue: '*', channel: 'hook', on: ['booked', 'reminder', 'cancelled'], reminderMinutes: 15 },
      { queue: 'pumps', channel: 'hook', on: ['booked', 'cancelled'] },
    ];
    expect(parseChannelsDocument({ channels: [teams], paging: { rules } }, {}).rules).toEqual(
      rules,
    );
    expect(
      linesOf({
        channels: [teams],
        paging: {
          rules: [
            { queue: '*', channel: 'hook', on: ['reminder'] },
            { queue: '*', channel: 'hook', on: ['booked'], reminderMinutes: 15 },
            { queue: '*', channel: 'hook', on: ['reminder'], reminderMinutes: 1.5 },
            { queue: '*', channel: 'hook', on: ['reminder'], reminderMinutes: 0 },
            { queue: '*', channel: 'hook', on: ['reminder'], reminderMinutes: '15' },
          ],
        },
      }),
    ).toEqual([
      'paging.rules[0]: "on" names "reminder"; give "reminderMinutes" (minutes before the start)',
      'paging.rules[1]: "reminderMinutes" is only for a rule whose "on" names "reminder"',
      'paging.rules[2]: "reminderMinutes" must be a whole number of minutes from 1 to 10080',
      'paging.rules[3]: "reminderMinutes" must be a whole number of minutes from 1 to 10080',
      'paging.rules[4]: "reminderMinutes" must be a whole number of minutes from 1 to 10080',
    ]);
  });

  it('takes "offered" only on a channel that reaches one person: one line per other channel', () => {
    const dingtalk = {
      id: 'robot',
      type: 'dingtalk',
      webhookUrl: 'https://example.invalid/robot/send?access_token=t',
      secret: 'SEC1',
    };
    const cam = {
      id: 'cam',
      type: 'chatMessenger',
      serverUrl: 'https://cam.invalid/api',
      apiToken: 't',
    };
    const camRoom = { ...cam, id: 'cam-room', room: 'Ops' };
    const rcHook = { id: 'rc-hook', type: 'ringcentral', webhookUrl: 'https://rc.invalid/hook/x' };
    const channels = [teams, dingtalk, cam, camRoom, rcHook];
    const offered = (channel: string) => ({ queue: 'pumps', channel, on: ['offered'] });
    expect(
      parseChannelsDocument(
        { channels: [dingtalk, cam], paging: { rules: [offered('robot'), offered('cam')] } },
        {},
      ).rules.map((rule) => [rule.channel, rule.on]),
    ).toEqual([
      ['robot', ['offered']],
      ['cam', ['offered']],
    ]);
    expect(
      linesOf({
        channels,
        paging: {
          rules: [offered('hook'), offered('cam-room'), offered('rc-hook'), offered('cam')],
        },
      }),
    ).toEqual([
      'paging.rules[0]: "on" names "offered", a page to one expert, but "hook" is a Teams webhook, which cannot mention anyone',
      'paging.rules[1]: "on" names "offered", a page to one expert, but "cam-room" is a CAM room (drop "room" for direct messages)',
      'paging.rules[2]: "on" names "offered", a page to one expert, but "rc-hook" is a RingCentral webhook, which cannot mention (use an app channel)',
    ]);
  });
});

describe('the fallback part of the channels file', () => {
  const cam = {
    id: 'cam',
    type: 'chatMessenger',
    serverUrl: 'https://cam.example.invalid',
    apiToken: 't',
  };

  it('names a Chat&Messenger channel; meetings last an hour unless it says otherwise', () => {
    expect(parseChannelsDocument({ channels: [cam] }, {}).fallback).toBeNull();
    expect(
      parseChannelsDocument({ channels: [cam], fallback: { channel: 'cam' } }, {}).fallback,
    ).toEqual({ channel: 'cam', meetingMinutes: 60 });
    expect(
      parseChannelsDocument(
        { channels: [cam], fallback: { channel: 'cam', meetingMinutes: 30 } },
        {},
      ).fallback,
    ).toEqual({ channel: 'cam', meetingMinutes: 30 });
  });

  it('reports one line per mistake: no such channel, a vendor without meetings, a bad duration', () => {
    expect(
      linesOf({
        channels: [cam, teams],
        fallback: { channel: 'hook', meetingMinutes: 2, when: 1 },
      }),
    ).toEqual([
      'fallback: unknown field "when" (known: channel, meetingMinutes)',
      'fallback: "channel" is "hook", a teams channel; only chatMessenger makes web meetings',
      'fallback: "meetingMinutes" must be a whole number of minutes from 5 to 1440',
    ]);
    expect(
      linesOf({
        channels: [{ ...cam, id: 'room', room: 'Maintenance' }],
        fallback: { channel: 'room' },
      }),
    ).toEqual([
      'fallback: "channel" is "room", a CAM room; the meeting\'s password must go to the experts alone (use a channel without "room")',
    ]);
    expect(linesOf({ channels: [cam], fallback: { channel: 'gone' } })).toEqual([
      'fallback: "channel" is "gone", which is no channel above',
    ]);
    expect(linesOf({ channels: [cam], fallback: {} })).toEqual([
      'fallback: "channel" must be the id of a chatMessenger channel above',
    ]);
    expect(linesOf({ channels: [cam], fallback: 'cam' })).toEqual([
      '"fallback" must be an object like {"channel": "<a CAM channel>"}',
    ]);
  });
});
