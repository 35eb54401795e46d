import { sql, type Kysely } from 'kysely';
import { databaseNowMs } from '../database/cluster.schema.js';
import type { DatabaseKind } from '../database/database.js';
import type { BrokerDatabase } from '../database/schema.js';

/** A named lease's row, as read back (tests, the lease's own log lines). */
export interface LeaseHolder {
  owner: string | null;
  epoch: number;
  expiresAtMs: number;
}

/** Claims and renews a named lease; each is an atomic statement a racing instance cannot split. */
export interface LeaseStore {
  /**
   * Takes the lease for `ttlMs` from the database's now when it is absent, lapsed, handed back
   * or already ours; `renewing`: ours from before, the epoch stays. The epoch held, or undefined
   * when another owner holds it.
   */
  claim(owner: string, ttlMs: number, renewing: boolean): Promise<number | undefined>;
  /** Gives the lease up at once if we hold it (owner null, lapsed now). */
  handBack(owner: string): Promise<void>;
}

/**
 * The `leases` row named `name`. One INSERT … ON CONFLICT DO UPDATE … WHERE both claims and
 * renews: PostgreSQL locks the conflicting row and checks the WHERE on its newest version,
 * SQLite runs one writer at a time, so of two instances racing for a lapsed lease one wins.
 */
export class KyselyLeaseStore implements LeaseStore {
  constructor(
    private readonly db: Kysely<BrokerDatabase>,
    private readonly kind: DatabaseKind,
    readonly name: string,
  ) {}

  async claim(owner: string, ttlMs: number, renewing: boolean): Promise<number | undefined> {
    const now = databaseNowMs(this.kind);
    const expires = sql<number>`${now} + ${ttlMs}`;
    const epoch = renewing
      ? sql<number>`case when leases.owner = ${owner} then leases.epoch else leases.epoch + 1 end`
      : sql<number>`leases.epoch + 1`;
    const row = await this.db
      .insertInto('leases')
      .values({ name: this.name, owner, epoch: 1, expires_at_ms: expires })
      .onConflict((conflict) =>
        conflict
          .column('name')
          .doUpdateSet({ owner, epoch, expires_at_ms: expires })
          .where((eb) =>
            eb.or([
              eb('leases.owner', '=', owner),
              eb('leases.owner', 'is', null),
              eb('leases.expires_at_ms', '<=', now),
            ]),
          ),
      )
      .returning('epoch')
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.epoch);
  }

  async handBack(owner: string): Promise<void> {
    await this.db
      .updateTable('leases')
      .set({ owner: null, expires_at_ms: databaseNowMs(this.kind) })
      .where('name', '=', this.name)
      .where('owner', '=', owner)
      .execute();
  }

  async holder(): Promise<LeaseHolder | undefined> {
    const row = await this.db
      .selectFrom('leases')
      .selectAll()
      .where('name', '=', this.name)
      .executeTakeFirst();
    if (!row) return undefined;
    return { owner: row.owner, epoch: Number(row.epoch), expiresAtMs: Number(row.expires_at_ms) };
  }
}
