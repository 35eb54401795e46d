import { sql, type Kysely, type Migration, type RawBuilder } from 'kysely';

/**
 * The tables that let several instances share one database (docs/scaling.md). Every time in them
 * is milliseconds since the epoch by the database's own clock (databaseNowMs), never a process's:
 * a lease must lapse at the same moment for every instance, whatever their clocks say.
 * PostgreSQL returns bigint as a string: read them with Number().
 */
export interface BrokerInstancesTable {
  id: string;
  host: string;
  pid: number;
  /** 1: started with REDIS_URL (one of several); 0: the only instance on this database. */
  several: number;
  /** Random per process: recognises the process itself when host and pid say nothing (pid 1 in every container). Null in rows from before it. */
  process_token: string | null;
  started_at_ms: number | string;
  heartbeat_at_ms: number | string;
}

/** A named lease (the leader's): held by `owner` until `expires_at_ms`, `epoch` bumped per holder. */
export interface LeasesTable {
  name: string;
  owner: string | null;
  epoch: number;
  expires_at_ms: number | string;
}

/** Who follows (polls) an unfinished call: one row per call, fenced by `epoch`. */
export interface CallLeasesTable {
  call_id: string;
  owner: string | null;
  epoch: number;
  expires_at_ms: number | string;
}

export interface ClusterTables {
  broker_instances: BrokerInstancesTable;
  leases: LeasesTable;
  call_leases: CallLeasesTable;
}

/** Now, in ms since the epoch, by the database's clock (clock_timestamp: not the transaction's start). */
export function databaseNowMs(kind: 'sqlite' | 'postgres'): RawBuilder<number> {
  return kind === 'postgres'
    ? sql<number>`(floor(extract(epoch from clock_timestamp()) * 1000))::bigint`
    : sql<number>`cast(round((julianday('now') - 2440587.5) * 86400000) as integer)`;
}

export const clusterMigrations: Record<string, Migration> = {
  '2026-12-06-010-cluster': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('broker_instances')
        .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('host', 'varchar(255)', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('several', 'integer', (c) => c.notNull())
        .addColumn('started_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('heartbeat_at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('leases')
        .addColumn('name', 'varchar(200)', (c) => c.primaryKey())
        .addColumn('owner', 'varchar(128)')
        .addColumn('epoch', 'integer', (c) => c.notNull())
        .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('call_leases')
        .addColumn('call_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('owner', 'varchar(128)')
        .addColumn('epoch', 'integer', (c) => c.notNull())
        .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('call_leases_owner').on('call_leases').column('owner').execute();
      await db.schema
        .createIndex('call_leases_expiry')
        .on('call_leases')
        .column('expires_at_ms')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('call_leases').execute();
      await db.schema.dropTable('leases').execute();
      await db.schema.dropTable('broker_instances').execute();
    },
  },
  '2026-12-06-011-instance-process-token': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('broker_instances')
        .addColumn('process_token', 'varchar(64)')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('broker_instances').dropColumn('process_token').execute();
    },
  },
};
