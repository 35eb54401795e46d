import type { Kysely, Migration } from 'kysely';

/**
 * One delivery of one message to one destination (a webhook, a chat page), written in
 * the transaction of the call change that caused it. The row is the delivery's whole state, so
 * a crash between that commit and the delivery loses nothing: another claim picks it up once
 * the lease ran out.
 */
export interface OutboxTable {
  /** Also the message id the receiver sees (`webhook-id`): the same on every attempt. */
  id: string;
  /** `webhook`, or `chat` (a page to a channel of CHANNELS_FILE). */
  destination_kind: string;
  destination_id: string;
  /** Who may see and retry it besides supervisors (the webhook's owner). */
  owner_id: string | null;
  call_id: string;
  /** The call event's seq (0 for call.created): a destination gets a call's rows in this order. */
  seq: number;
  /** Ties within one seq (call.status_changed before call.ended). */
  position: number;
  event_type: string;
  /** The body as sent, fixed at commit time. */
  payload: string;
  /** pending, delivered, failed or superseded. */
  status: string;
  attempts: number;
  next_attempt_at: string;
  /** Set while an instance delivers it; a lapsed lease means that instance is gone. */
  lease_until: string | null;
  claim_token: string | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  /** The row's own deadline (an `offered` page: its offer's expiry); past it, dead (`expired`). */
  expires_at: string | null;
  /** When its first attempt started: its kind's time to live counts from then. */
  first_attempt_at: string | null;
}

export interface OutboxTables {
  outbox: OutboxTable;
}

export const outboxMigrations: Record<string, Migration> = {
  '2026-12-02-120-outbox': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('destination_kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('destination_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('owner_id', 'varchar(128)')
        .addColumn('call_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('event_type', 'varchar(64)', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('lease_until', 'varchar(32)')
        .addColumn('claim_token', 'varchar(64)')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('delivered_at', 'varchar(32)')
        .execute();
      // The claim: due pending rows; the order check: a destination's pending rows of one call.
      await db.schema
        .createIndex('outbox_due')
        .on('outbox')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('outbox_call_order')
        .on('outbox')
        .columns(['destination_id', 'call_id', 'status', 'seq'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('outbox').execute();
    },
  },
  '2026-12-06-190-outbox-deadlines': {
    // A time to live per kind of row and a deadline per row (docs/notifications.md, "The outbox").
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('outbox').addColumn('expires_at', 'varchar(32)').execute();
      await db.schema.alterTable('outbox').addColumn('first_attempt_at', 'varchar(32)').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('outbox').dropColumn('first_attempt_at').execute();
      await db.schema.alterTable('outbox').dropColumn('expires_at').execute();
    },
  },
};
