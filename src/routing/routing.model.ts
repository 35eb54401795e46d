import type { Priority } from '../calls/call.model.js';
/** What an expert says about themselves; `busy` is derived from offers and calls, never stored. */
export const PRESENCE_STATUSES = ['available', 'away', 'offline'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];
/** What an expert may set by hand (REST `PUT /v1/presence/me`, socket `presence.set`). */
export const SETTABLE_PRESENCE = ['available', 'away'] as const;
export type SettablePresence = (typeof SETTABLE_PRESENCE)[number];

/** One expert's stored presence; times are ISO-8601 UTC strings like every stored time. */
export interface ExpertPresence {
  expertId: string;
  status: PresenceStatus;
  /** When `status` last changed. */
  since: string;
  /** Since their last call ended or since they became available, whichever is later. */
  idleSince: string | null;
  /** Offers that timed out in a row; reset by an accept or a decline. */
  consecutiveTimeouts: number;
  /** The last connect or disconnect of one of their sockets (the offline grace runs from here). */
  lastSocketAt: string | null;
  /**
   * After-call work: the call they wrap up and until when they are `wrap_up` (busy for routing);
   * null when none. Past `until` it no longer counts, whether or not a timer cleared it yet.
   */
  wrapUp: { callId: string; until: string } | null;
}

/** What an expert is told of their own presence (REST and socket `presence.set`). */
export interface OwnPresenceView {
  id: string;
  presence: PresenceStatus;
  presenceSince: string;
  idleSince: string | null;
}

export function ownPresenceView(presence: ExpertPresence): OwnPresenceView {
  return {
    id: presence.expertId,
    presence: presence.status,
    presenceSince: presence.since,
    idleSince: presence.idleSince,
  };
}

/** An expert nobody has heard of yet is offline. */
export function unknownPresence(expertId: string, at: string): ExpertPresence {
  return {
    expertId,
    status: 'offline',
    since: at,
    idleSince: null,
    consecutiveTimeouts: 0,
    lastSocketAt: null,
    wrapUp: null,
  };
}

export const OFFER_STATUSES = [
  'pending',
  'accepted',
  'declined',
  'timed_out',
  'rescinded',
] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];

/** A reservation of one expert for one queued call. */
export interface Offer {
  id: string;
  callId: string;
  expertId: string;
  status: OfferStatus;
  offeredAt: string;
  expiresAt: string;
  /** When it stopped being pending; null while pending. */
  endedAt: string | null;
}

/** A call waiting in a queue, as routing needs it. */
export interface QueuedRequest {
  callId: string;
  queueId: string;
  priority: Priority;
  queuedAt: string;
  /** Who asked for it (its technician, and whoever created it for them): never offered it. */
  requesters: readonly string[];
}

/** What routing knows of one expert at one instant. */
export interface ExpertStanding {
  status: PresenceStatus;
  /** Holding an accepted offer, in an active call, in after-call work (wrap_up), or in a booked session. */
  busy: boolean;
  /** Milliseconds since the epoch; null when never idle (treated as idle since now). */
  idleSinceMs: number | null;
  /** When their next booked session starts (the queues' bookingGuardMinutes); null or unset: none near. */
  nextSessionAtMs?: number | null;
}
