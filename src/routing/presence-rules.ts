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

/** Their call ended: idle from now on (if later than when they became available). */
export function afterCallEnded(presence: ExpertPresence, at: string): ExpertPresence {
  if (presence.idleSince !== null && presence.idleSince >= at) return presence;
  return { ...presence, idleSince: at };
}
