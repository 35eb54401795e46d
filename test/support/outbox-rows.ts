import type { Insertable } from 'kysely';
import type { OutboxTable } from '../../src/database/outbox.schema.js';

/**
 * An outbox row written straight into the database (retention tests): a webhook delivery of
 * call.created, `status` as given, created and due at `createdAt`, delivered at `deliveredAt`.
 */
export function outboxRow(
  id: string,
  status: 'pending' | 'delivered' | 'failed' | 'superseded',
  createdAt: string,
  deliveredAt: string | null = null,
): Insertable<OutboxTable> {
  return {
    id,
    destination_kind: 'webhook',
    destination_id: 'retention-test',
    owner_id: 'erp',
    call_id: `call-${id}`,
    seq: 0,
    position: 0,
    event_type: 'call.created',
    payload: '{}',
    status,
    attempts: 1,
    next_attempt_at: createdAt,
    lease_until: null,
    claim_token: null,
    last_error: status === 'failed' ? 'gave up' : null,
    created_at: createdAt,
    delivered_at: deliveredAt,
  };
}
