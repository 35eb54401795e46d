import type { CallCommitted, CallFact } from '../calls/call-facts.js';
import { toCallView, type CallEventRecord, type CallRecord } from '../calls/call.model.js';
import { callSummaryOf } from '../calls/call-summary.js';

export const WEBHOOK_EVENT_TYPES = [
  'call.created',
  'call.status_changed',
  'call.ended',
  'offer.accepted',
  'call.wrapped_up',
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
  call: CallRecord,
  event: CallEventRecord | null,
): string {
  return JSON.stringify({ type, timestamp, data: { call: toCallView(call), event } });
}

/** call.created, when the call row is inserted (seq 0: it has no event yet). */
export function createdWebhookEvents(call: CallRecord): WebhookEvent[] {
  const body = bodyOf('call.created', call.createdAt, call, null);
  return [{ type: 'call.created', seq: 0, position: 0, body }];
}

/**
 * call.wrapped_up: the wrap-up as recorded (each version), with the summary a work order needs
 * (its externalRef, who joined when, wait, talk time, outcome).
 */
function wrappedUpBody(call: CallRecord, event: CallEventRecord): string {
  return JSON.stringify({
    type: 'call.wrapped_up',
    timestamp: event.at,
    data: { call: toCallView(call), event, wrapUp: call.wrapUp, summary: callSummaryOf(call) },
  });
}

/**
 * What integrations hear of a committed batch: for each status change call.status_changed, then
 * call.ended for an end status; offer.accepted first when an expert took the call from its queue;
 * call.wrapped_up for each version of the wrap-up. `call` in every body is the call as this
 * commit left it.
 */
export function webhookEventsOf({ call, facts }: CallCommitted): WebhookEvent[] {
  const about = (kind: CallFact['kind'], event: CallEventRecord) =>
    facts.some((fact) => fact.kind === kind && fact.event === event);
  return facts.flatMap((fact): WebhookEvent[] => {
    if (fact.kind === 'wrapped_up')
      return [
        {
          type: 'call.wrapped_up',
          seq: fact.event.seq,
          position: 0,
          body: wrappedUpBody(call, fact.event),
        },
      ];
    if (fact.kind !== 'status_changed') return [];
    const types: WebhookEventType[] = [];
    if (about('accepted', fact.event)) types.push('offer.accepted');
    types.push('call.status_changed');
    if (about('ended', fact.event)) types.push('call.ended');
    return types.map((type, position) => ({
      type,
      seq: fact.event.seq,
      position,
      body: bodyOf(type, fact.event.at, call, fact.event),
    }));
  });
}
