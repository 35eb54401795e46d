import { brokerEvent, type BrokerEvent } from '../events/broker-events.js';
import { isEnded, type CallStatus } from './call-lifecycle.js';
import type { CallEventRecord, CallRecord } from './call.model.js';
import type { FallbackMeeting } from './fallback-meetings.js';
import type { WrapUp } from './wrap-up.js';

/**
 * What a committed call change means, decided here once, from the change alone: every other
 * module reacts to these typed facts and never reads an event's `type` string. Pure
 * (call-facts.spec.ts).
 */
export type CallFact =
  /** Each status event: the call went from one status to another. */
  | { kind: 'status_changed'; event: CallEventRecord; from: CallStatus; to: CallStatus }
  /** The call entered its queue: new, or back after a failed accept. */
  | { kind: 'queued'; event: CallEventRecord }
  /** An expert took the call from its queue (queued → creating). */
  | { kind: 'accepted'; event: CallEventRecord; queueId: string; waitedSeconds: number }
  /** The request stopped waiting in its queue and waits for a callback (callback_pending). */
  | { kind: 'callback_pending'; event: CallEventRecord }
  /** The expert joined and the call still waits for the glasses: the invite is due. */
  | { kind: 'expert_joined'; event: CallEventRecord }
  /** The call reached an end status. */
  | { kind: 'ended'; event: CallEventRecord; status: CallStatus }
  /** Routing ran an escalation step for the waiting call. */
  | { kind: 'escalated'; event: CallEventRecord }
  /** xAssist was out of reach; a web meeting was offered instead. */
  | { kind: 'fallback_offered'; event: CallEventRecord; meeting: FallbackMeeting }
  /** The expert's wrap-up was recorded: `first` for the first version, else an edit. */
  | { kind: 'wrapped_up'; event: CallEventRecord; wrapUp: WrapUp; first: boolean };

/** One committed batch of a call: the call as it now is, its new events and what they mean. */
export interface CallCommitted {
  call: CallRecord;
  events: CallEventRecord[];
  facts: CallFact[];
}

/** A fact together with the call as the commit left it. */
export type CallFactEvent<K extends CallFact['kind']> = {
  call: CallRecord;
} & Extract<CallFact, { kind: K }>;

declare module '../events/broker-events.js' {
  interface BrokerEvents {
    /** A call row was inserted (status `creating`, no event yet). */
    'call.created': { call: CallRecord };
    /** Every committed batch of a call's events, in seq order. */
    'call.committed': CallCommitted;
    'call.queued': CallFactEvent<'queued'>;
    'call.accepted': CallFactEvent<'accepted'>;
    'call.callback_pending': CallFactEvent<'callback_pending'>;
    'call.expert_joined': CallFactEvent<'expert_joined'>;
    'call.ended': CallFactEvent<'ended'>;
    'call.escalated': CallFactEvent<'escalated'>;
    'call.fallback_offered': CallFactEvent<'fallback_offered'>;
    'call.wrapped_up': CallFactEvent<'wrapped_up'>;
  }
}

const STATUS_PREFIX = 'status.';
const WRAP_UP_EVENTS = new Set(['wrap_up.submitted', 'wrap_up.edited']);

/** The facts of one batch, in event order. */
export function factsOf(
  before: CallRecord,
  call: CallRecord,
  events: readonly CallEventRecord[],
): CallFact[] {
  const facts: CallFact[] = [];
  let from = before.status;
  for (const event of events) {
    if (event.type.startsWith(STATUS_PREFIX)) {
      const to = event.status;
      facts.push({ kind: 'status_changed', event, from, to });
      if (to === 'queued') facts.push({ kind: 'queued', event });
      if (from === 'queued' && to === 'creating' && call.queueId !== null) {
        const queuedAt = call.queuedAt ?? call.createdAt;
        const waitedSeconds = (Date.parse(event.at) - Date.parse(queuedAt)) / 1000;
        facts.push({ kind: 'accepted', event, queueId: call.queueId, waitedSeconds });
      }
      if (to === 'callback_pending') facts.push({ kind: 'callback_pending', event });
      // Ring the glasses once, when the Join arrives; not when the technician is already in.
      if (to === 'expert_joined' && call.status === 'expert_joined')
        facts.push({ kind: 'expert_joined', event });
      if (isEnded(to)) facts.push({ kind: 'ended', event, status: to });
      from = to;
    } else if (event.type === 'routing.escalated') {
      facts.push({ kind: 'escalated', event });
    } else if (event.type === 'fallback.offered' && call.fallbackMeeting) {
      facts.push({ kind: 'fallback_offered', event, meeting: call.fallbackMeeting });
    } else if (WRAP_UP_EVENTS.has(event.type) && call.wrapUp) {
      const first = event.type === 'wrap_up.submitted';
      facts.push({ kind: 'wrapped_up', event, wrapUp: call.wrapUp, first });
    }
  }
  return facts;
}

/** The events a committed batch emits: the batch itself first, then each fact on its own. */
export function committedEvents(
  before: CallRecord,
  call: CallRecord,
  events: CallEventRecord[],
): BrokerEvent[] {
  const facts = factsOf(before, call, events);
  const each = facts.flatMap((fact): BrokerEvent[] => {
    switch (fact.kind) {
      case 'queued':
        return [brokerEvent('call.queued', { call, ...fact })];
      case 'accepted':
        return [brokerEvent('call.accepted', { call, ...fact })];
      case 'callback_pending':
        return [brokerEvent('call.callback_pending', { call, ...fact })];
      case 'expert_joined':
        return [brokerEvent('call.expert_joined', { call, ...fact })];
      case 'ended':
        return [brokerEvent('call.ended', { call, ...fact })];
      case 'escalated':
        return [brokerEvent('call.escalated', { call, ...fact })];
      case 'fallback_offered':
        return [brokerEvent('call.fallback_offered', { call, ...fact })];
      case 'wrapped_up':
        return [brokerEvent('call.wrapped_up', { call, ...fact })];
      case 'status_changed':
        return [];
    }
  });
  return [brokerEvent('call.committed', { call, events, facts }), ...each];
}

/** Whether a batch entered `status` (the queue view keeps a call once more when it leaves). */
export function entered(committed: CallCommitted, status: CallStatus): boolean {
  return committed.facts.some((fact) => fact.kind === 'status_changed' && fact.to === status);
}
