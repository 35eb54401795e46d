import { sql, type Kysely, type Migration } from 'kysely';

/** Kysely's view of the routing tables; times are ISO-8601 UTC strings like every stored time. */
export interface ExpertPresenceTable {
  expert_id: string;
  status: string;
  since: string;
  idle_since: string | null;
  consecutive_timeouts: number;
  last_socket_at: string | null;
  /** After-call work (issue 23): the call wrapped up and until when; null when none. */
  wrap_up_call_id: string | null;
  wrap_up_until: string | null;
  /** Bumped by every write, so that two instances changing one expert cannot lose an update. */
  version: number;
}

export interface OffersTable {
  id: string;
  call_id: string;
  expert_id: string;
  status: string;
  offered_at: string;
  expires_at: string;
  ended_at: string | null;
}

export interface RoutingTables {
  expert_presence: ExpertPresenceTable;
  offers: OffersTable;
}

/**
 * Presence and offers live in the database, never only in one process, so that an accept on one
 * instance sees the offers another made. The partial unique index is what makes "exactly one
 * accepted offer per call" hold even when accepts race on different connections.
 */
export const routingMigrations: Record<string, Migration> = {
  '2026-11-23-080-routing-presence-offers': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('expert_presence')
        .addColumn('expert_id', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('since', 'varchar(32)', (c) => c.notNull())
        .addColumn('idle_since', 'varchar(32)')
        .addColumn('consecutive_timeouts', 'integer', (c) => c.notNull())
        .addColumn('last_socket_at', 'varchar(32)')
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('offers')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('call_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('expert_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('offered_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('ended_at', 'varchar(32)')
        .execute();
      await db.schema
        .createIndex('offers_one_accepted_per_call')
        .on('offers')
        .column('call_id')
        .unique()
        .where(sql.ref('status'), '=', 'accepted')
        .execute();
      await db.schema.createIndex('offers_call').on('offers').columns(['call_id']).execute();
      await db.schema
        .createIndex('offers_expert')
        .on('offers')
        .columns(['expert_id', 'status'])
        .execute();
      await db.schema
        .createIndex('offers_expiry')
        .on('offers')
        .columns(['status', 'expires_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('offers').execute();
      await db.schema.dropTable('expert_presence').execute();
    },
  },
  '2026-11-23-081-routing-one-pending-offer-per-expert': {
    // An expert holds at most one pending offer (a reservation), also when two instances route
    // at the same moment: the second insert is skipped instead of double-booking the expert.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('offers_one_pending_per_expert')
        .on('offers')
        .column('expert_id')
        .unique()
        .where(sql.ref('status'), '=', 'pending')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('offers_one_pending_per_expert').execute();
    },
  },
  '2026-12-06-231-presence-wrap-up': {
    // After-call work is stored with the presence, so that every instance (and a restart) sees it.
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('expert_presence')
        .addColumn('wrap_up_call_id', 'varchar(64)')
        .execute();
      await db.schema
        .alterTable('expert_presence')
        .addColumn('wrap_up_until', 'varchar(32)')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('expert_presence').dropColumn('wrap_up_until').execute();
      await db.schema.alterTable('expert_presence').dropColumn('wrap_up_call_id').execute();
    },
  },
};
