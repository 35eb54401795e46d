import { Inject, Injectable, Optional } from '@nestjs/common';
import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import { SecretBox } from '../common/secret-box.js';
import { DATABASE } from '../database/database.module.js';
import type { BrokerDatabase } from '../database/schema.js';
import type { Delivery, DeliveryStatus, OutboxMessage } from './outbox.model.js';
import { fromRow, ROWS_PER_INSERT, storedPayload, toRow } from './outbox-rows.js';

/** How a claim spreads over destinations (see OutboxStore.claim). */
export interface ClaimSpread {
  perDestination: number;
  skip: readonly string[];
}

export interface DeliveryQuery {
  status: DeliveryStatus | null;
  /** Null: every owner's (a supervisor). */
  ownerId: string | null;
  limit: number;
}

/** The outbox rows on the broker's own database, claimed so that several instances can share it. */
@Injectable()
export class OutboxStore {
  /** PostgreSQL runs claims side by side: rows another instance is claiming are skipped, not waited for. */
  private readonly concurrentClaims: boolean;

  constructor(
    @Inject(DATABASE) private readonly db: Kysely<BrokerDatabase>,
    // Without keys (unit specs; production has keys whenever CHANNELS_FILE makes pages) as is.
    @Optional() private readonly box: SecretBox = new SecretBox([]),
  ) {
    this.concurrentClaims = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /**
   * Inside the call change's transaction, in statements of ROWS_PER_INSERT rows: one INSERT of
   * every row fails past SQLite's 32,766 bound variables and wraps PostgreSQL's 65,535, and a
   * call change must commit whatever the number of destinations.
   */
  async add(
    trx: Transaction<BrokerDatabase>,
    messages: OutboxMessage[],
    now: string,
  ): Promise<void> {
    for (let start = 0; start < messages.length; start += ROWS_PER_INSERT) {
      await trx
        .insertInto('outbox')
        .values(
          messages
            .slice(start, start + ROWS_PER_INSERT)
            .map((message) => toRow(message, storedPayload(this.box, message), now)),
        )
        .execute();
    }
  }

  /**
   * Leases up to `limit` due rows to `token`, at most `spread.perDestination` of any one
   * destination and none of `spread.skip` (destinations this instance already keeps busy), so
   * one destination's backlog cannot fill a claim. Only a row with no earlier pending row of the
   * same call for the same destination is due, so seq N+1 never overtakes N (delivered or dead).
   */
  async claim(
    now: string,
    leaseUntil: string,
    limit: number,
    token: string,
    spread: ClaimSpread,
  ): Promise<Delivery[]> {
    let candidates = this.db
      .selectFrom('outbox as o')
      .select(['o.id', 'o.destination_id', 'o.next_attempt_at'])
      .where('o.status', '=', 'pending')
      .where('o.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('o.lease_until', 'is', null), eb('o.lease_until', '<=', now)]))
      .where(({ not, exists, selectFrom, ref }) =>
        not(
          exists(
            selectFrom('outbox as e')
              .select('e.id')
              .where('e.destination_id', '=', ref('o.destination_id'))
              .where('e.call_id', '=', ref('o.call_id'))
              .where('e.status', '=', 'pending')
              .where((inner) =>
                inner.or([
                  inner('e.seq', '<', ref('o.seq')),
                  inner.and([
                    inner('e.seq', '=', ref('o.seq')),
                    inner('e.position', '<', ref('o.position')),
                  ]),
                ]),
              ),
          ),
        ),
      )
      .orderBy('o.next_attempt_at')
      .limit(limit * spread.perDestination);
    if (spread.skip.length > 0)
      candidates = candidates.where('o.destination_id', 'not in', [...spread.skip]);
    // PostgreSQL: rows another instance is claiming are skipped, not waited for (the lock is
    // taken on the candidates: a window function cannot be locked).
    if (this.concurrentClaims) candidates = candidates.forUpdate().skipLocked();
    const ranked = this.db
      .selectFrom(candidates.as('c'))
      .select([
        'c.id',
        'c.next_attempt_at',
        sql<number>`row_number() over (partition by c.destination_id order by c.next_attempt_at, c.id)`.as(
          'rank',
        ),
      ]);
    const due = this.db
      .selectFrom(ranked.as('r'))
      .select('r.id')
      .where('r.rank', '<=', spread.perDestination)
      .orderBy('r.next_attempt_at')
      .limit(limit);
    // One statement: on SQLite (one writer) the guard in the subquery is the whole claim.
    const rows = await this.db
      .updateTable('outbox')
      .set({ lease_until: leaseUntil, claim_token: token })
      .where('id', 'in', due)
      .returningAll()
      .execute();
    return rows
      .map((row) => fromRow(row, this.box))
      .sort((a, b) => a.seq - b.seq || a.position - b.position);
  }

  /**
   * A destination's circuit opened: its pending rows no instance holds wait until `until`
   * (when one trial may go), so no instance claims them meanwhile.
   */
  async defer(destinationId: string, until: string, now: string): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ next_attempt_at: until })
      .where('destination_id', '=', destinationId)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<', until)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .execute();
  }

  /** Records an attempt's outcome, only while the claim is still this one's. */
  async settle(
    id: string,
    token: string,
    change: {
      status: DeliveryStatus;
      attempts: number;
      nextAttemptAt?: string;
      lastError: string | null;
      deliveredAt?: string;
      /** What is kept of the payload once settled (its secrets wiped); unset: unchanged. */
      payload?: string;
      /** The first attempt's start (set once; its kind's time to live counts from it). */
      firstAttemptAt?: string;
    },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('outbox')
      .set({
        status: change.status,
        attempts: change.attempts,
        ...(change.nextAttemptAt ? { next_attempt_at: change.nextAttemptAt } : {}),
        last_error: change.lastError,
        delivered_at: change.deliveredAt ?? null,
        ...(change.payload === undefined ? {} : { payload: change.payload }),
        ...(change.firstAttemptAt ? { first_attempt_at: change.firstAttemptAt } : {}),
        lease_until: null,
        claim_token: null,
      })
      .where('id', '=', id)
      .where('claim_token', '=', token)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Gives a claimed row back untried (the destination's rate limit), due at `at`. */
  async release(id: string, token: string, at: string): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ next_attempt_at: at, lease_until: null, claim_token: null })
      .where('id', '=', id)
      .where('claim_token', '=', token)
      .execute();
  }

  /**
   * In `trx`: the pending rows of one call (or session) with these event types, that nobody is
   * sending now (no live lease), will never go: `superseded`, with why. `destinationIds` narrows
   * them to some destinations. Returns the destinations whose rows it superseded.
   */
  async supersedePending(
    trx: Transaction<BrokerDatabase>,
    which: {
      callId: string;
      eventTypes: readonly string[];
      destinationIds?: readonly string[];
      why: string;
    },
    now: string,
  ): Promise<string[]> {
    const { callId, eventTypes, destinationIds, why } = which;
    if (eventTypes.length === 0 || destinationIds?.length === 0) return [];
    let update = trx
      .updateTable('outbox')
      .set({ status: 'superseded', last_error: why, lease_until: null, claim_token: null })
      .where('call_id', '=', callId)
      .where('event_type', 'in', [...eventTypes])
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]));
    if (destinationIds) update = update.where('destination_id', 'in', [...destinationIds]);
    const rows = await update.returning('destination_id').execute();
    return rows.map((row) => row.destination_id);
  }

  /** Every pending row of a destination ends as failed (a webhook deleted or gone). */
  async failPendingOf(destinationId: string, reason: string): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ status: 'failed', last_error: reason, lease_until: null, claim_token: null })
      .where('destination_id', '=', destinationId)
      .where('status', '=', 'pending')
      .execute();
  }

  async find(id: string): Promise<Delivery | undefined> {
    const row = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? fromRow(row, this.box) : undefined;
  }

  async list(query: DeliveryQuery): Promise<Delivery[]> {
    let select = this.db.selectFrom('outbox').selectAll();
    if (query.status) select = select.where('status', '=', query.status);
    if (query.ownerId !== null) select = select.where('owner_id', '=', query.ownerId);
    const rows = await select
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(query.limit)
      .execute();
    return rows.map((row) => fromRow(row, this.box));
  }

  /**
   * A failed row becomes due now with a fresh count of attempts (and time to live; its own
   * deadline stays); false when it was not failed.
   */
  async retry(id: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('outbox')
      .set({
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        last_error: null,
        first_attempt_at: null,
      })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Rows by status, for the gauges. */
  async counts(): Promise<Record<DeliveryStatus, number>> {
    const rows = await this.db
      .selectFrom('outbox')
      .select((eb) => ['status', eb.fn.countAll().as('n')])
      .where('status', 'in', ['pending', 'failed'])
      .groupBy('status')
      .execute();
    const counts = { pending: 0, delivered: 0, failed: 0, superseded: 0 };
    for (const row of rows) counts[row.status as DeliveryStatus] = Number(row.n);
    return counts;
  }
}
