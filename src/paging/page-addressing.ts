import type { NotificationChannel } from '../notifications/notification-channel.port.js';
import { signAcceptLink } from './accept-link.js';
import type { PageDraft, PageLink } from './paging-pages.js';
import type { PagePayload } from './paging.service.js';

type Draft = Omit<PageDraft, 'channel'>;

/** What a group reads instead of the experts' accept links. */
export const CONSOLE_LINK: PageLink = { kind: 'console', label: 'Open the request in the console' };

/**
 * The pages one draft becomes on one channel. An accept link acts as its expert for whoever
 * holds it, so it goes only where that expert alone reads it: each expert the channel reaches
 * alone gets a page of their own with their link; everyone else is mentioned in one page whose
 * link opens the request in the console, where their own signed-in session decides who accepts.
 */
export function addressPage(draft: Draft, channel: NotificationChannel | undefined): Draft[] {
  const accepts = draft.links.filter((link) => link.kind === 'accept');
  if (accepts.length === 0) return [draft];
  const others = draft.links.filter((link) => link.kind !== 'accept');
  const alone = new Set<string>();
  const own = accepts.flatMap((link) => {
    const person = draft.mentions.find((mentioned) => mentioned.id === link.expertId);
    if (!person || !channel?.reachesAlone(person)) return [];
    alone.add(person.id);
    return [{ ...draft, mentions: [person], links: [link, ...others] }];
  });
  const rest = draft.mentions.filter((person) => !alone.has(person.id));
  if (own.length > 0 && rest.length === 0) return own;
  return [...own, { ...draft, mentions: rest, links: [CONSOLE_LINK, ...others] }];
}

/** The outbox payload of one addressed page: broker links as paths (the sender puts PUBLIC_URL first). */
export function pagePayload(draft: Draft, callId: string, key: string): PagePayload {
  return {
    title: draft.title,
    lines: draft.lines,
    mentions: draft.mentions,
    links: draft.links.map((link) => {
      switch (link.kind) {
        case 'accept':
          return {
            label: link.label,
            path: `/accept/${signAcceptLink(key, { callId, expertId: link.expertId, expiresAtMs: link.expiresAtMs })}`,
          };
        case 'console':
          return { label: link.label, path: `/#call=${encodeURIComponent(callId)}` };
        case 'external':
          return { label: link.label, url: link.url };
      }
    }),
  };
}
