import type { CallRecord } from '../calls/call.model.js';
import { WRAPPABLE_STATUS } from '../calls/wrap-up.js';
import type { Queue } from '../directory/queue.js';
import type { ExpertPresence, PresenceStatus } from './routing.model.js';

/** Offers timing out this many times in a row set the expert `away`. */
export const TIMEOUTS_BEFORE_AWAY = 2;
/** No socket for this long: `offline` (the contract's 30 s; a reconnect sooner changes nothing). */
export const DEFAULT_OFFLINE_GRACE_MS = 30_000;

export type OfferOutcome = 'accepted' | 'declined' | 'timed_out';

/** The presence after an expert's offer ended; `away` on the second timeout in a row. */
export function afterOfferOutcome(
  presence: ExpertPresence,
  outcome: OfferOutcome,
  at: string,
): ExpertPresence {
  if (outcome !== 'timed_out') return { ...presence, consecutiveTimeouts: 0 };
  const consecutiveTimeouts = presence.consecutiveTimeouts + 1;
  if (consecutiveTimeouts < TIMEOUTS_BEFORE_AWAY) return { ...presence, consecutiveTimeouts };
  return withStatus({ ...presence, consecutiveTimeouts: 0 }, 'away', at);
}

/**
 * A new status; becoming available starts the idle time (a later call's end moves it on).
 * Setting the status one already has changes nothing, `since` included.
 */
export function withStatus(
  presence: ExpertPresence,
  status: PresenceStatus,
  at: string,
): ExpertPresence {
  if (presence.status === status) return presence;
  return {
    ...presence,
    status,
    since: at,
    idleSince: status === 'available' ? at : presence.idleSince,
    // Choosing to be available again is a fresh start for the timeout count too.
    consecutiveTimeouts: status === 'available' ? 0 : presence.consecutiveTimeouts,
  };
}

/** A socket connected: an offline expert comes back `away` (they choose when to take calls). */
export function afterConnect(presence: ExpertPresence, at: string): ExpertPresence {
  const back = presence.status === 'offline' ? withStatus(presence, 'away', at) : presence;
  return { ...back, lastSocketAt: at };
}

/**
 * Whether an expert is due to go `offline`: no socket connected now, and none connected or
 * disconnected within the grace. `lastSocketAt` null means they never had one: their hand-set
 * status stands (a REST-only client is not pushed offline by a rule about sockets).
 */
export function offlineDue(
  presence: Pick<ExpertPresence, 'status' | 'lastSocketAt'>,
  connectedNow: boolean,
  nowMs: number,
  graceMs: number,
): boolean {
  if (presence.status === 'offline' || connectedNow || presence.lastSocketAt === null) return false;
  return nowMs - Date.parse(presence.lastSocketAt) >= graceMs;
}

/**
 * Their call ended: idle from now on (if later than when they became available), and in
 * after-call work (`wrap_up`) for `wrapUpSeconds` when their queue asks for it.
 */
export function afterCallEnded(
  presence: ExpertPresence,
  at: string,
  wrapUp: { callId: string; seconds: number } | null = null,
): ExpertPresence {
  const idle =
    presence.idleSince !== null && presence.idleSince >= at
      ? presence
      : { ...presence, idleSince: at };
  if (wrapUp === null || wrapUp.seconds <= 0) return idle;
  const until = new Date(Date.parse(at) + wrapUp.seconds * 1000).toISOString();
  return { ...idle, wrapUp: { callId: wrapUp.callId, until } };
}

/** The after-call work a call's end asks for: a call that ended talking, in a queue that has it. */
export function wrapUpWanted(
  call: Pick<CallRecord, 'id' | 'status'>,
  queue: Pick<Queue, 'wrapUpSeconds'> | undefined,
): { callId: string; seconds: number } | null {
  if (call.status !== WRAPPABLE_STATUS || !queue || queue.wrapUpSeconds <= 0) return null;
  return { callId: call.id, seconds: queue.wrapUpSeconds };
}

/** Whether the expert is in after-call work at `nowMs` (busy for routing). */
export function isWrappingUp(presence: Pick<ExpertPresence, 'wrapUp'>, nowMs: number): boolean {
  return presence.wrapUp !== null && Date.parse(presence.wrapUp.until) > nowMs;
}

/**
 * After-call work is over: the wrap-up of `callId` was submitted, or (`callId` undefined) its
 * time ran out by `nowMs`. Anything else leaves the presence as it is (the same object).
 */
export function afterWrapUp(
  presence: ExpertPresence,
  nowMs: number,
  callId?: string,
): ExpertPresence {
  if (presence.wrapUp === null) return presence;
  const submitted = callId !== undefined && presence.wrapUp.callId === callId;
  if (!submitted && isWrappingUp(presence, nowMs)) return presence;
  return { ...presence, wrapUp: null };
}

/** What routing and people see: `wrap_up` while in after-call work, else the stored status. */
export function shownPresence(
  presence: Pick<ExpertPresence, 'status' | 'wrapUp'>,
  nowMs: number,
): PresenceStatus | 'wrap_up' {
  return presence.status !== 'offline' && isWrappingUp(presence, nowMs)
    ? 'wrap_up'
    : presence.status;
}
