/**
 * `superseded`: a page that had not gone out yet when it stopped mattering (its request stopped
 * waiting); it is never sent, nor retried (docs/notifications.md, "Fair paging").
 */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'superseded'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A message to write into the outbox, in the transaction of the change that caused it. */
export interface OutboxMessage {
  id: string;
  /** Which sender delivers it (`@OutboxSenderOf(kind)`): `webhook`, `chat` (a page). */
  destinationKind: string;
  destinationId: string;
  ownerId: string | null;
  callId: string;
  seq: number;
  position: number;
  eventType: string;
  /** The body to send, as its sender reads it (JSON for both kinds today). */
  payload: string;
  /** ISO time before which it is not sent (a session's reminder); unset: at once. */
  dueAt?: string | null;
  /**
   * ISO time after which the row is worth nothing (an `offered` page: its offer's expiry): it is
   * then settled dead (`expired`) instead of sent or retried. Unset: only its kind's time to live.
   */
  expiresAt?: string | null;
}

/** One row as the dispatcher and the deliveries API see it. */
export interface Delivery extends OutboxMessage {
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  /** When its first attempt started (its kind's time to live counts from then); null: untried. */
  firstAttemptAt: string | null;
}

/**
 * What one attempt came to: sent, retry no sooner than `afterMs`, failed for good, or `gone`:
 * the destination asked never to be called again (410). A chat channel's DeliveryResult is one.
 */
export type AttemptOutcome =
  | { status: 'sent'; detail?: string }
  | { status: 'retry'; afterMs: number; reason: string }
  | { status: 'failed'; reason: string }
  | { status: 'gone'; reason: string };
