import type { CallCommitKind } from '../calls/call-commit-hooks.js';
import { isEnded } from '../calls/call-lifecycle.js';
import { toCallView, type CallEventRecord, type CallUpdate } from '../calls/call.model.js';

export const WEBHOOK_EVENT_TYPES = [
  'call.created',
  'call.status_changed',
  'call.ended',
  'offer.accepted',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** One message a call change gives rise to, before it is addressed to any webhook. */
export interface WebhookEvent {
  type: WebhookEventType;
  /** The call event's seq (0 for call.created, which has no event yet). */
  seq: number;
  /** Order among the messages of one seq. */
  position: number;
  /** The body every subscribed webhook gets, byte for byte. */
  body: string;
}

function bodyOf(
  type: WebhookEventType,
  timestamp: string,
  update: CallUpdate,
  event: CallEventRecord | null,
): string {
  return JSON.stringify({ type, timestamp, data: { call: toCallView(update.call), event } });
}

/**
 * What integrations hear of a committed change: call.created when the call row is inserted;
 * for each status event call.status_changed, then call.ended for an end status; offer.accepted
 * first when an expert took a queued call (status.creating is only ever entered from queued).
 * `call` in every body is the call as this commit left it.
 */
export function webhookEventsOf(update: CallUpdate, kind: CallCommitKind): WebhookEvent[] {
  if (kind === 'inserted') {
    const body = bodyOf('call.created', update.call.createdAt, update, null);
    return [{ type: 'call.created', seq: 0, position: 0, body }];
  }
  return update.events.flatMap((event) => {
    if (!event.type.startsWith('status.')) return [];
    const types: WebhookEventType[] = [];
    if (event.type === 'status.creating') types.push('offer.accepted');
    types.push('call.status_changed');
    if (isEnded(event.status)) types.push('call.ended');
    return types.map((type, position) => ({
      type,
      seq: event.seq,
      position,
      body: bodyOf(type, event.at, update, event),
    }));
  });
}
