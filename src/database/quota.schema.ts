import type { Kysely, Migration } from 'kysely';

/** One person's count of one quota in one fixed window (creates per minute, messages per second). */
export interface QuotaCountersTable {
  person_id: string;
  quota: string;
  /** ISO-8601 UTC, like every stored time. */
  window_start: string;
  count: number;
  /** When the window is over and the row may be swept. */
  window_end: string;
}

/** One open socket, held by the instance that serves it; lapses unless that instance renews it. */
export interface SocketLeasesTable {
  lease_id: string;
  person_id: string;
  instance_id: string;
  expires_at: string;
}

export interface QuotaTables {
  quota_counters: QuotaCountersTable;
  socket_leases: SocketLeasesTable;
}

/**
 * The counters live in the database, not in one process, so that instances sharing it count
 * together; a Redis QuotaStore can replace the tables later without touching the rules.
 */
export const quotaMigrations: Record<string, Migration> = {
  '2026-11-23-090-quota-counters': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('quota_counters')
        .addColumn('person_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('quota', 'varchar(32)', (c) => c.notNull())
        .addColumn('window_start', 'varchar(32)', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('window_end', 'varchar(32)', (c) => c.notNull())
        .addPrimaryKeyConstraint('quota_counters_pk', ['person_id', 'quota', 'window_start'])
        .execute();
      await db.schema
        .createIndex('quota_counters_window_end')
        .on('quota_counters')
        .columns(['window_end'])
        .execute();
      await db.schema
        .createTable('socket_leases')
        .addColumn('lease_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('person_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('instance_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('socket_leases_person')
        .on('socket_leases')
        .columns(['person_id', 'expires_at'])
        .execute();
      await db.schema
        .createIndex('socket_leases_instance')
        .on('socket_leases')
        .columns(['instance_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('socket_leases').execute();
      await db.schema.dropTable('quota_counters').execute();
    },
  },
};
