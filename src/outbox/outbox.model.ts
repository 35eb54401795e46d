import type { DeliveryResult } from '../notifications/notification.js';

/**
 * `superseded`: a page that had not gone out yet when it stopped mattering (its request stopped
 * waiting); it is never sent, nor retried (docs/notifications.md, "Fair paging").
 */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'superseded'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A message to write into the outbox, in the transaction of the change that caused it. */
export interface OutboxMessage {
  id: string;
  /** A webhook, or a chat channel of CHANNELS_FILE (a page). */
  destinationKind: 'webhook' | 'chat';
  destinationId: string;
  ownerId: string | null;
  callId: string;
  seq: number;
  position: number;
  eventType: string;
  payload: string;
}

/** One row as the dispatcher and the deliveries API see it. */
export interface Delivery extends OutboxMessage {
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** The public view: the row without its payload (the receiver has it; it may be large). */
export interface DeliveryView {
  id: string;
  webhookId: string;
  callId: string;
  seq: number;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export function toDeliveryView(delivery: Delivery): DeliveryView {
  return {
    id: delivery.id,
    webhookId: delivery.destinationId,
    callId: delivery.callId,
    seq: delivery.seq,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.status === 'pending' ? delivery.nextAttemptAt : null,
    lastError: delivery.lastError,
    createdAt: delivery.createdAt,
    deliveredAt: delivery.deliveredAt,
  };
}

/**
 * What one attempt came to: a channel's DeliveryResult (sent, retry no sooner than afterMs,
 * failed for good), or `gone`: the destination asked never to be called again (410).
 */
export type AttemptOutcome = DeliveryResult | { status: 'gone'; reason: string };
