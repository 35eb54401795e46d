import type { Insertable, Selectable } from 'kysely';
import { SecretBox, SecretBoxError } from '../common/secret-box.js';
import type { Delivery, DeliveryStatus, OutboxMessage } from './outbox.model.js';
import type { OutboxTable } from '../database/outbox.schema.js';

/** A page's payload carries accept links (and a meeting's password): sealed while it waits. */
const SEALED_KINDS = new Set<string>(['chat']);
const payloadContext = (id: string) => `outbox.payload:${id}`;

/** 19 columns a row: 9,500 bound values a statement, far below both databases' bounds. */
export const ROWS_PER_INSERT = 500;

/** The payload as stored: a chat page's sealed when keys are configured. */
export function storedPayload(box: SecretBox, message: OutboxMessage): string {
  if (!SEALED_KINDS.has(message.destinationKind) || !box.canSeal) return message.payload;
  return box.seal(message.payload, payloadContext(message.id));
}

/** The payload to send; one no configured key opens stays as stored (its attempts fail). */
function openPayload(box: SecretBox, row: Selectable<OutboxTable>): string {
  try {
    return box.open(row.payload, payloadContext(row.id));
  } catch (error) {
    if (error instanceof SecretBoxError) return row.payload;
    throw error;
  }
}

export function fromRow(row: Selectable<OutboxTable>, box: SecretBox): Delivery {
  return {
    id: row.id,
    destinationKind: row.destination_kind,
    destinationId: row.destination_id,
    ownerId: row.owner_id,
    callId: row.call_id,
    seq: Number(row.seq),
    position: Number(row.position),
    eventType: row.event_type,
    payload: openPayload(box, row),
    expiresAt: row.expires_at,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
    firstAttemptAt: row.first_attempt_at,
  };
}

/** `payload`: as stored (see storedPayload). */
export function toRow(
  message: OutboxMessage,
  payload: string,
  now: string,
): Insertable<OutboxTable> {
  return {
    id: message.id,
    destination_kind: message.destinationKind,
    destination_id: message.destinationId,
    owner_id: message.ownerId,
    call_id: message.callId,
    seq: message.seq,
    position: message.position,
    event_type: message.eventType,
    payload,
    status: 'pending',
    attempts: 0,
    next_attempt_at: message.dueAt ?? now,
    lease_until: null,
    claim_token: null,
    last_error: null,
    created_at: now,
    delivered_at: null,
    expires_at: message.expiresAt ?? null,
    first_attempt_at: null,
  };
}
