import { Inject, Injectable } from '@nestjs/common';
import {
  PostgresAdapter,
  sql,
  type ExpressionBuilder,
  type Kysely,
  type RawBuilder,
  type Transaction,
} from 'kysely';
import { DATABASE } from '../database/database.module.js';
import { databaseNowMs } from '../database/cluster.schema.js';
import type { BrokerDatabase } from '../database/schema.js';
import { ACTIVE_STATUSES, type CallStatus } from './call-lifecycle.js';
import { LeaseLostError } from './call.repository.js';
import { RINGING_STATUSES, pollsAsRinging } from './poll-schedule.js';

/**
 * The calls the leases balance apart (docs/scaling.md): those polled as ringing, and the rest.
 * Every instance has about an equal share of the request budget, so each should follow about an
 * equal share of the ringing calls, not just of the calls.
 */
export type LeaseClass = 'ringing' | 'other';
export const LEASE_CLASSES: readonly LeaseClass[] = ['ringing', 'other'];

export function leaseClassOf(status: string | null): LeaseClass {
  return status !== null && pollsAsRinging(status as CallStatus) ? 'ringing' : 'other';
}

/** A call lease this instance holds: `epoch` fences its commits; its call's class as it was read. */
export interface HeldLease {
  callId: string;
  epoch: number;
  leaseClass: LeaseClass;
}

/** Who may commit a tracker's change of a call: the holder of this epoch, while it lasts. */
export interface LeaseClaim {
  callId: string;
  owner: string;
  epoch: number;
}

type Writer = Kysely<BrokerDatabase> | Transaction<BrokerDatabase>;

/** The status of a lease's call, returned by the statements that renew or claim leases. */
const callStatus = (eb: ExpressionBuilder<BrokerDatabase, 'call_leases'>) =>
  eb
    .selectFrom('calls')
    .select('calls.status')
    .whereRef('calls.id', '=', 'call_leases.call_id')
    .as('status');

function heldLease(row: { call_id: string; epoch: number | string; status: string | null }) {
  return { callId: row.call_id, epoch: Number(row.epoch), leaseClass: leaseClassOf(row.status) };
}

/**
 * The `call_leases` rows: one per unfinished call, naming the instance that follows it. Every
 * time is the database's own (databaseNowMs), so a lease lapses at one moment for all instances.
 * On PostgreSQL claims skip the rows another instance is claiming (FOR UPDATE SKIP LOCKED); on
 * SQLite (one writer) each claim is one guarded statement.
 */
@Injectable()
export class CallLeaseStore {
  private readonly postgres: boolean;

  constructor(@Inject(DATABASE) private readonly db: Kysely<BrokerDatabase>) {
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  private now(): RawBuilder<number> {
    return databaseNowMs(this.postgres ? 'postgres' : 'sqlite');
  }

  private until(ms: number): RawBuilder<number> {
    return sql<number>`${this.now()} + ${sql.lit(Math.round(ms))}`;
  }

  /** A new call's lease, in the transaction that inserts the call: its creator follows it. */
  async claimNew(trx: Writer, callId: string, owner: string, ms: number): Promise<void> {
    await trx
      .insertInto('call_leases')
      .values({ call_id: callId, owner, epoch: 1, expires_at_ms: this.until(ms) })
      .execute();
  }

  /** Extends every lease of `owner` at once; returns those it still holds, with their class now. */
  async renew(owner: string, ms: number): Promise<HeldLease[]> {
    const rows = await this.db
      .updateTable('call_leases')
      .set({ expires_at_ms: this.until(ms) })
      .where('owner', '=', owner)
      .returning(['call_id', 'epoch', callStatus])
      .execute();
    return rows.map(heldLease);
  }

  /**
   * Takes up to `limit` leases nobody holds (released, or lapsed), the longest free first, each
   * with its epoch bumped. `anyOwner`: the only instance on the database takes every lease not its
   * own, lapsed or not (their holder cannot be running: start-up refuses a second instance).
   * `leaseClass`: only leases of calls of that class (any class without).
   */
  async claim(
    owner: string,
    limit: number,
    ms: number,
    anyOwner = false,
    leaseClass?: LeaseClass,
  ): Promise<HeldLease[]> {
    if (limit <= 0) return [];
    const claimable = (eb: ExpressionBuilder<BrokerDatabase, 'call_leases'>) =>
      eb.or([
        eb('owner', 'is', null),
        eb('expires_at_ms', '<=', this.now()),
        ...(anyOwner ? [eb('owner', '<>', owner)] : []),
      ]);
    let candidates = this.db
      .selectFrom('call_leases')
      .select('call_id')
      .where(claimable)
      .orderBy('expires_at_ms')
      .limit(limit);
    // A semi-join: FOR UPDATE then locks the lease rows only, never a call a tracker commits. A
    // call changing class meanwhile is claimed all the same; the next heartbeat evens that out.
    if (leaseClass !== undefined)
      candidates = candidates.where('call_id', 'in', (eb) =>
        eb
          .selectFrom('calls')
          .select('calls.id')
          .where('calls.status', leaseClass === 'ringing' ? 'in' : 'not in', [...RINGING_STATUSES]),
      );
    if (this.postgres) candidates = candidates.forUpdate().skipLocked();
    const rows = await this.db
      .updateTable('call_leases')
      .set((eb) => ({ owner, epoch: eb('epoch', '+', 1), expires_at_ms: this.until(ms) }))
      .where('call_id', 'in', candidates)
      .where(claimable) // rechecked on the row as it is once locked (another claim may have won)
      .returning(['call_id', 'epoch', callStatus])
      .execute();
    return rows.map(heldLease);
  }

  /** Gives these leases up at once: another instance may take them at its next heartbeat. */
  async release(owner: string, callIds: readonly string[]): Promise<void> {
    if (callIds.length === 0) return;
    await this.db
      .updateTable('call_leases')
      .set({ owner: null, expires_at_ms: this.now() })
      .where('owner', '=', owner)
      .where('call_id', 'in', [...callIds])
      .execute();
  }

  /** Gives every lease of `owner` up at once (shutdown). */
  async releaseAll(owner: string): Promise<void> {
    await this.db
      .updateTable('call_leases')
      .set({ owner: null, expires_at_ms: this.now() })
      .where('owner', '=', owner)
      .execute();
  }

  /** Inside a tracker's commit: throws LeaseLostError unless `lease` still holds, now. */
  async verify(trx: Writer, lease: LeaseClaim): Promise<void> {
    let query = trx
      .selectFrom('call_leases')
      .select('call_id')
      .where('call_id', '=', lease.callId)
      .where('owner', '=', lease.owner)
      .where('epoch', '=', lease.epoch)
      .where('expires_at_ms', '>', this.now());
    // Held until the commit ends: nobody can take the lease between this check and the commit.
    if (this.postgres) query = query.forShare();
    if (!(await query.executeTakeFirst())) throw new LeaseLostError(lease.callId, lease.epoch);
  }

  /** The call ended: nobody follows it any more. */
  async end(trx: Writer, callId: string): Promise<void> {
    await trx.deleteFrom('call_leases').where('call_id', '=', callId).execute();
  }

  /**
   * Keeps the table to the unfinished calls: a lease for each one without (created before leases
   * existed), none for a call that ended (its end deletes it; this catches any left over).
   */
  async tidy(): Promise<void> {
    await this.db
      .insertInto('call_leases')
      .columns(['call_id', 'owner', 'epoch', 'expires_at_ms'])
      .expression((eb) =>
        eb
          .selectFrom('calls')
          .select((s) => [
            s.ref('calls.id').as('call_id'),
            sql<null>`null`.as('owner'),
            sql.lit(0).as('epoch'),
            this.now().as('expires_at_ms'),
          ])
          .where('calls.status', 'in', [...ACTIVE_STATUSES])
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('call_leases as l')
                  .select('l.call_id')
                  .whereRef('l.call_id', '=', 'calls.id'),
              ),
            ),
          )
          .orderBy('calls.id'),
      )
      .onConflict((oc) => oc.column('call_id').doNothing())
      .execute();
    let ended = this.db
      .selectFrom('call_leases')
      .select('call_id')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('calls')
              .select('calls.id')
              .whereRef('calls.id', '=', 'call_leases.call_id')
              .where('calls.status', 'in', [...ACTIVE_STATUSES]),
          ),
        ),
      );
    if (this.postgres) ended = ended.forUpdate().skipLocked();
    await this.db.deleteFrom('call_leases').where('call_id', 'in', ended).execute();
  }

  /** Unfinished calls (one lease each) of each class. */
  async countByClass(): Promise<Record<LeaseClass, number>> {
    const rows = await this.db
      .selectFrom('call_leases')
      .innerJoin('calls', 'calls.id', 'call_leases.call_id')
      .select(['calls.status', (eb) => eb.fn.countAll().as('n')])
      .groupBy('calls.status')
      .execute();
    const counts: Record<LeaseClass, number> = { ringing: 0, other: 0 };
    for (const { status, n } of rows) counts[leaseClassOf(status)] += Number(n);
    return counts;
  }

  /** Instances other than `me` (and those `leaving`) whose registry heartbeat is younger than `ms`. */
  async othersAlive(me: string, ms: number, leaving: readonly string[] = []): Promise<number> {
    const row = await this.db
      .selectFrom('broker_instances')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('id', 'not in', [me, ...leaving])
      .where('heartbeat_at_ms', '>', sql<number>`${this.now()} - ${sql.lit(Math.round(ms))}`)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
