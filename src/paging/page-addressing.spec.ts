import type { MentionedPerson } from '../notifications/notification.js';
import { NotificationChannel } from '../notifications/notification-channel.port.js';
import { verifyAcceptLink } from './accept-link.js';
import { addressPage, CONSOLE_LINK, pagePayload } from './page-addressing.js';
import type { PageLink } from './paging-pages.js';

const KEY = 'accept-link-key-for-unit-tests-0123456789';
/** A channel that reaches alone exactly the people named. */
function reaching(...ids: string[]): NotificationChannel {
  return new (class extends NotificationChannel {
    readonly id = 'c';
    readonly vendor = 'chatMessenger' as const;
    send = () => Promise.resolve({ status: 'sent' as const });
    close = () => Promise.resolve();
    override reachesAlone = (person: MentionedPerson) => ids.includes(person.id);
  })();
}
const erika = { id: 'erika', displayName: 'Erika' };
const ed = { id: 'ed', displayName: 'Ed' };
const accept = (expertId: string): PageLink => ({
  kind: 'accept',
  expertId,
  label: `Accept as ${expertId}`,
  expiresAtMs: 2_000_000_000_000,
});
const draft = {
  event: 'queued' as const,
  seq: 3,
  title: 'Help wanted: Pump 7',
  lines: ['Queue Pumps.'],
  mentions: [erika, ed],
  links: [accept('erika'), accept('ed')],
};

describe('addressing a page to a channel', () => {
  it('a group (reaches nobody alone): one page, everyone mentioned, the console link, no accept link', () => {
    expect(addressPage(draft, reaching())).toEqual([{ ...draft, links: [CONSOLE_LINK] }]);
    expect(addressPage(draft, undefined)).toEqual([{ ...draft, links: [CONSOLE_LINK] }]);
  });

  it('a direct channel: one page per expert, naming them alone, with their own link only', () => {
    expect(addressPage(draft, reaching('erika', 'ed'))).toEqual([
      { ...draft, mentions: [erika], links: [accept('erika')] },
      { ...draft, mentions: [ed], links: [accept('ed')] },
    ]);
  });

  it('an expert the channel cannot reach alone is named in a console page, never sent a link', () => {
    expect(addressPage(draft, reaching('erika'))).toEqual([
      { ...draft, mentions: [erika], links: [accept('erika')] },
      { ...draft, mentions: [ed], links: [CONSOLE_LINK] },
    ]);
  });

  it('a page without accept links is left as it is (a meeting link stays)', () => {
    const fallback = {
      ...draft,
      links: [{ kind: 'external' as const, label: 'Join', url: 'https://cam/m' }],
    };
    expect(addressPage(fallback, reaching())).toEqual([fallback]);
  });

  it("payload: accept links signed for their expert, the console link names the call, others' URLs whole", () => {
    const payload = pagePayload(
      {
        ...draft,
        links: [
          accept('erika'),
          CONSOLE_LINK,
          { kind: 'external', label: 'Join', url: 'https://cam/m' },
        ],
      },
      'call-1',
      KEY,
    );
    const [own, console, meeting] = payload.links as {
      label: string;
      path?: string;
      url?: string;
    }[];
    expect(own.path).toMatch(/^\/accept\//);
    expect(verifyAcceptLink(KEY, own.path!.slice('/accept/'.length), 0)).toMatchObject({
      ok: true,
      claims: { callId: 'call-1', expertId: 'erika' },
    });
    expect(console).toEqual({ label: CONSOLE_LINK.label, path: '/#call=call-1' });
    expect(meeting).toEqual({ label: 'Join', url: 'https://cam/m' });
  });
});
