import type { Delivery, DeliveryStatus } from '../outbox/outbox.model.js';

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
