import type { ChannelIdentities } from '../directory/person.js';

/** A directory person to mention; a channel that does not know them writes the display name. */
export interface MentionedPerson {
  id: string;
  displayName: string;
  channels?: ChannelIdentities;
}

/** A link the broker gives people: a button, a card action or `[label](url)` per vendor. */
export interface NotificationLink {
  label: string;
  url: string;
}

/**
 * What the broker wants to tell people, before any vendor's format. The title, lines and names
 * are text (people's, often): they never become links; links are only `links`.
 */
export interface Notification {
  /** Stable for one logical message (the outbox row's id later): a retry carries the same. */
  id: string;
  title: string;
  lines: string[];
  mentions: MentionedPerson[];
  /** The links to act on (an accept link, the console): each its own button where the vendor has buttons. */
  links?: NotificationLink[];
}

/**
 * What one delivery attempt came to, so that a durable outbox can schedule the next one:
 * `retry` is worth trying again no sooner than `afterMs` (0: whenever your backoff says);
 * `failed` will fail the same way every time (bad credentials, a refused signature).
 */
export type DeliveryResult =
  | { status: 'sent'; detail?: string }
  | { status: 'retry'; afterMs: number; reason: string }
  | { status: 'failed'; reason: string };

export const sent = (detail?: string): DeliveryResult =>
  detail === undefined ? { status: 'sent' } : { status: 'sent', detail };
export const retryAfter = (afterMs: number, reason: string): DeliveryResult => ({
  status: 'retry',
  afterMs: Math.max(0, Math.ceil(afterMs)),
  reason,
});
export const failed = (reason: string): DeliveryResult => ({ status: 'failed', reason });

/**
 * Several messages as one, for a destination that must not be sent them one by one (a DingTalk
 * robot past its 20 a minute): aggregated, never dropped. Mentions are merged; every link is
 * kept, named after its message's title.
 */
export function combineNotifications(messages: readonly Notification[]): Notification {
  if (messages.length === 0) throw new RangeError('combineNotifications needs a message');
  if (messages.length === 1) return messages[0];
  const mentions = new Map<string, MentionedPerson>();
  for (const message of messages)
    for (const person of message.mentions) mentions.set(person.id, person);
  return {
    id: messages.map((message) => message.id).join('+'),
    title: `${messages.length} notifications`,
    lines: messages.flatMap((message) => [
      `${message.title}${message.lines.length > 0 ? ':' : ''}`,
      ...message.lines.map((line) => `  ${line}`),
    ]),
    mentions: [...mentions.values()],
    links: messages.flatMap((message) =>
      (message.links ?? []).map((link) => ({ ...link, label: `${message.title}: ${link.label}` })),
    ),
  };
}
