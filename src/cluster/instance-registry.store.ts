import { sql, type Kysely, type RawBuilder } from 'kysely';
import { databaseNowMs } from '../database/cluster.schema.js';
import type { DatabaseKind } from '../database/database.js';
import type { BrokerDatabase } from '../database/schema.js';

/** One broker process as it stands in `broker_instances`. */
export interface InstanceRow {
  id: string;
  host: string;
  pid: number;
  /** Started with REDIS_URL: one of several. */
  several: boolean;
  /** Random per process (null in a row from before there was one). */
  token: string | null;
  startedAtMs: number;
  heartbeatAtMs: number;
}

export type InstanceIdentity = Pick<InstanceRow, 'id' | 'host' | 'pid' | 'several'> & {
  token: string;
};

/**
 * What registration decides about the live rows of others, inside its transaction: which are
 * leftovers of stopped processes (deleted), and whether one of the rest forbids this start, or
 * may once it is known whether they are still renewed (`undecided`: nothing is written then).
 */
export interface RegistrationVerdict {
  leftovers: string[];
  refusal?: string;
  undecided?: string[];
}

/** Keys the registration transactions on PostgreSQL: one start at a time per database. */
const REGISTRATION_LOCK = 2_020_001;

/**
 * `broker_instances` (src/database/cluster.schema.ts): a row per running broker, live while its
 * heartbeat is younger than the lease time, all by the database's clock.
 */
export class InstanceRegistryStore {
  constructor(
    private readonly db: Kysely<BrokerDatabase>,
    private readonly kind: DatabaseKind,
    readonly leaseTtlMs: number,
  ) {}

  private now(): RawBuilder<number> {
    return databaseNowMs(this.kind);
  }

  private liveSince(): RawBuilder<number> {
    return sql<number>`${this.now()} - ${this.leaseTtlMs}`;
  }

  /**
   * In one transaction that concurrent starts take in turn (PostgreSQL: an advisory lock;
   * SQLite: its first statement writes, which takes the database's one write lock): drops the
   * lapsed rows, asks `judge` about the live ones and inserts ours unless the verdict refuses or
   * is undecided. Also how a paused instance whose row lapsed comes back: judged again.
   */
  async register(
    me: InstanceIdentity,
    judge: (live: InstanceRow[], nowMs: number) => RegistrationVerdict,
  ): Promise<RegistrationVerdict> {
    return this.db.transaction().execute(async (trx) => {
      if (this.kind === 'postgres')
        await sql`select pg_advisory_xact_lock(${REGISTRATION_LOCK})`.execute(trx);
      await trx
        .deleteFrom('broker_instances')
        .where('heartbeat_at_ms', '<=', this.liveSince())
        .execute();
      const { nowMs } = await trx.selectNoFrom(this.now().as('nowMs')).executeTakeFirstOrThrow();
      const rows = await trx.selectFrom('broker_instances').selectAll().execute();
      const verdict = judge(rows.map(instanceOf), Number(nowMs));
      if (verdict.refusal !== undefined || verdict.undecided !== undefined) return verdict;
      if (verdict.leftovers.length > 0)
        await trx.deleteFrom('broker_instances').where('id', 'in', verdict.leftovers).execute();
      await trx.insertInto('broker_instances').values(this.rowOf(me)).execute();
      return verdict;
    });
  }

  /** Renews our heartbeat; false when our row is gone (deleted as lapsed while we were away). */
  async heartbeat(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('broker_instances')
      .set({ heartbeat_at_ms: this.now() })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Our row as registered now, timed by the database's clock. */
  private rowOf(me: InstanceIdentity) {
    const now = this.now();
    return {
      id: me.id,
      host: me.host,
      pid: me.pid,
      several: me.several ? 1 : 0,
      process_token: me.token,
      started_at_ms: now,
      heartbeat_at_ms: now,
    };
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('broker_instances').where('id', '=', id).execute();
  }

  /** The rows whose heartbeat is younger than the lease time. */
  async live(): Promise<InstanceRow[]> {
    const rows = await this.db
      .selectFrom('broker_instances')
      .selectAll()
      .where('heartbeat_at_ms', '>', this.liveSince())
      .orderBy('id')
      .execute();
    return rows.map(instanceOf);
  }
}

function instanceOf(row: {
  id: string;
  host: string;
  pid: number;
  several: number;
  process_token: string | null;
  started_at_ms: number | string;
  heartbeat_at_ms: number | string;
}): InstanceRow {
  return {
    id: row.id,
    host: row.host,
    pid: Number(row.pid),
    several: Number(row.several) === 1,
    token: row.process_token,
    startedAtMs: Number(row.started_at_ms),
    heartbeatAtMs: Number(row.heartbeat_at_ms),
  };
}
