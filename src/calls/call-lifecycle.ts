/**
 * The call lifecycle: every status and every allowed transition, in one place.
 * `queued` waits in a routing queue for an expert to accept (no xAssist call exists yet).
 * `creating` is internal: the moment between our row (or an accept) and xAssist's answer.
 * `closed` ends a request to a queue outside its business hours at once (nothing is rung).
 * `callback_pending` is a request its queue could not answer, kept for an expert to call the
 * technician back (queues with `callbackOnUnanswered`, docs/routing.md "Callbacks").
 * `planned` is a booked session's call (src/appointments): created on xAssist with its
 * plannedDateTime, followed cheaply until its start, then `ringing` like any call.
 */
export const CALL_STATUSES = [
  'queued',
  'callback_pending',
  'creating',
  'planned',
  'ringing',
  'expert_joined',
  'connected',
  'ended',
  'failed',
  'unanswered',
  'missed',
  'cancelled',
  'closed',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

const TRANSITIONS: Record<CallStatus, readonly CallStatus[]> = {
  // An accept creates the xAssist call; nobody accepting in time ends it unanswered.
  // A callback queue keeps the request nobody took in time instead (routing/callbacks.ts).
  queued: ['creating', 'unanswered', 'cancelled', 'callback_pending'],
  // An expert takes the callback (creating), the technician withdraws it, or it expires.
  callback_pending: ['creating', 'unanswered', 'cancelled'],
  // Back to `queued` when xAssist failed for an accepted routed call: it is re-offered; back to
  // `callback_pending` for a taken callback. Straight from the new row: `closed`, a request to a
  // queue outside its hours (docs/routing.md), or `callback_pending` when that queue takes
  // callbacks (callbackOr in routing/callback-rules.ts).
  creating: ['ringing', 'planned', 'failed', 'cancelled', 'queued', 'callback_pending', 'closed'],
  // Its start (or its expert joining early) rings it; xAssist may end or forget it before.
  planned: ['ringing', 'cancelled', 'ended', 'failed'],
  // `failed` while followed: xAssist no longer knows the call.
  ringing: ['expert_joined', 'ended', 'unanswered', 'cancelled', 'failed'],
  expert_joined: ['connected', 'ended', 'missed', 'cancelled', 'failed'],
  connected: ['ended', 'failed'],
  ended: [],
  failed: [],
  unanswered: [],
  missed: [],
  cancelled: [],
  closed: [],
};

export const END_STATUSES: readonly CallStatus[] = CALL_STATUSES.filter(
  (status) => TRANSITIONS[status].length === 0,
);
export const ACTIVE_STATUSES: readonly CallStatus[] = CALL_STATUSES.filter(
  (status) => TRANSITIONS[status].length > 0,
);
/** Statuses in which the broker follows the call on xAssist. */
export const FOLLOWED_STATUSES: readonly CallStatus[] = [
  'planned',
  'ringing',
  'expert_joined',
  'connected',
];

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
  constructor(
    readonly from: CallStatus,
    readonly to: CallStatus,
  ) {
    super(`a call cannot go from ${from} to ${to}`);
  }
}

export function canTransition(from: CallStatus, to: CallStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: CallStatus, to: CallStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

export function isEnded(status: CallStatus): boolean {
  return END_STATUSES.includes(status);
}

export function isCancellable(status: CallStatus): boolean {
  return canTransition(status, 'cancelled');
}

/** Which timestamp a status stamps when entered. */
export const STATUS_TIMESTAMP: Partial<
  Record<CallStatus, 'ringingAt' | 'expertJoinedAt' | 'connectedAt' | 'endedAt'>
> = {
  ringing: 'ringingAt',
  expert_joined: 'expertJoinedAt',
  connected: 'connectedAt',
  ended: 'endedAt',
  failed: 'endedAt',
  unanswered: 'endedAt',
  missed: 'endedAt',
  cancelled: 'endedAt',
  closed: 'endedAt',
};
