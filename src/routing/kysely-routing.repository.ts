import { Inject, Injectable } from '@nestjs/common';
import { PostgresAdapter, type Kysely, type Transaction } from 'kysely';
import { ACTIVE_STATUSES } from '../calls/call-lifecycle.js';
import { isUniqueViolation } from '../database/unique-violation.js';
import { DATABASE } from '../database/database.module.js';
import type { BrokerDatabase } from '../database/schema.js';
import { unknownPresence, type ExpertPresence, type Offer } from './routing.model.js';
import { offerFromRow, offerToRow, presenceFromRow } from './routing-rows.js';
import {
  PresenceContentionError,
  RoutingRepository,
  type AcceptOutcome,
  type DeclineOutcome,
  type OfferRefusal,
  type OffersAlongside,
} from './routing.repository.js';

const PRESENCE_ATTEMPTS = 8;

@Injectable()
export class KyselyRoutingRepository extends RoutingRepository {
  /** PostgreSQL runs transactions side by side, so accept locks the call's offers in one order. */
  private readonly concurrentWriters: boolean;

  constructor(@Inject(DATABASE) private readonly db: Kysely<BrokerDatabase>) {
    super();
    this.concurrentWriters = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  async presenceOf(expertId: string): Promise<ExpertPresence | undefined> {
    const row = await this.db
      .selectFrom('expert_presence')
      .selectAll()
      .where('expert_id', '=', expertId)
      .executeTakeFirst();
    return row ? presenceFromRow(row) : undefined;
  }

  async allPresence(): Promise<ExpertPresence[]> {
    const rows = await this.db.selectFrom('expert_presence').selectAll().execute();
    return rows.map(presenceFromRow);
  }

  async updatePresence(
    expertId: string,
    at: string,
    change: (current: ExpertPresence) => ExpertPresence,
  ): Promise<{ before: ExpertPresence; after: ExpertPresence }> {
    for (let attempt = 0; attempt < PRESENCE_ATTEMPTS; attempt++) {
      const row = await this.db
        .selectFrom('expert_presence')
        .selectAll()
        .where('expert_id', '=', expertId)
        .executeTakeFirst();
      const before = row ? presenceFromRow(row) : unknownPresence(expertId, at);
      const after = change(before);
      if (after === before) return { before, after };
      const values = {
        status: after.status,
        since: after.since,
        idle_since: after.idleSince,
        consecutive_timeouts: after.consecutiveTimeouts,
        last_socket_at: after.lastSocketAt,
        wrap_up_call_id: after.wrapUp?.callId ?? null,
        wrap_up_until: after.wrapUp?.until ?? null,
      };
      if (!row) {
        const inserted = await this.db
          .insertInto('expert_presence')
          .values({ expert_id: expertId, ...values, version: 1 })
          .onConflict((conflict) => conflict.column('expert_id').doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { before, after };
        continue; // another writer created the row first: apply our change to theirs
      }
      const updated = await this.db
        .updateTable('expert_presence')
        .set({ ...values, version: Number(row.version) + 1 })
        .where('expert_id', '=', expertId)
        .where('version', '=', row.version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) return { before, after };
    }
    throw new PresenceContentionError(`presence of ${expertId} kept changing; try again`);
  }

  async busyExperts(): Promise<Map<string, string>> {
    const active = [...ACTIVE_STATUSES];
    // One read of the active calls with an expert: the one who joined, or, before anyone joined,
    // the one who took it (a callback taken has no offer: acceptedBy makes them busy from then).
    const calls = await this.db
      .selectFrom('calls')
      .select(['id as callId', 'joined_expert_id as joined', 'accepted_by_id as accepted'])
      .where('status', 'in', active)
      .where((eb) =>
        eb.or([eb('joined_expert_id', 'is not', null), eb('accepted_by_id', 'is not', null)]),
      )
      .execute();
    const holding = await this.db
      .selectFrom('offers')
      .innerJoin('calls', 'calls.id', 'offers.call_id')
      .select(['offers.expert_id as expertId', 'offers.call_id as callId'])
      .where('offers.status', '=', 'accepted')
      .where('calls.status', 'in', active)
      .execute();
    const calledBack = calls.filter((call) => call.joined === null);
    const inCall = calls.filter((call) => call.joined !== null);
    // Later entries win: a joined call over an accepted offer over a taken callback.
    return new Map([
      ...calledBack.map((call) => [call.accepted as string, call.callId] as const),
      ...holding.map((row) => [row.expertId, row.callId] as const),
      ...inCall.map((call) => [call.joined as string, call.callId] as const),
    ]);
  }

  async insertOffers(offers: Offer[], alongside?: OffersAlongside): Promise<Offer[]> {
    if (offers.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const callIds = [...new Set(offers.map((offer) => offer.callId))];
      let settled = trx
        .selectFrom('offers')
        .select(['call_id', 'status'])
        .where('call_id', 'in', callIds);
      // Waits for an accept of these calls in flight on another connection, then sees it.
      if (this.concurrentWriters) settled = settled.orderBy('id').forUpdate();
      const rows = await settled.execute();
      const taken = new Set(rows.filter((row) => row.status === 'accepted').map((r) => r.call_id));
      // Not for a call that stopped waiting: a cancel or an end committed since the tick read its
      // calls would otherwise leave a pending offer nobody rescinds, reserving its expert until it
      // times out. The row lock makes a cancel in flight wait for this insert (its rescind then
      // sees the offer).
      let calls = trx.selectFrom('calls').select(['id', 'status']).where('id', 'in', callIds);
      if (this.concurrentWriters) calls = calls.orderBy('id').forUpdate();
      const stopped = new Set(
        (await calls.execute()).filter((row) => row.status !== 'queued').map((row) => row.id),
      );
      const fresh = offers.filter(
        (offer) => !taken.has(offer.callId) && !stopped.has(offer.callId),
      );
      if (fresh.length === 0) return [];
      // An expert already holding a pending offer (made meanwhile by another instance) is skipped.
      const inserted = await trx
        .insertInto('offers')
        .values(fresh.map(offerToRow))
        .onConflict((conflict) => conflict.doNothing())
        .returningAll()
        .execute();
      const ids = new Set(inserted.map((row) => row.id));
      const stored = fresh.filter((offer) => ids.has(offer.id));
      if (stored.length > 0) await alongside?.(trx, stored);
      return stored;
    });
  }

  async offer(id: string): Promise<Offer | undefined> {
    return this.readOffer(this.db, id);
  }

  async offersOfCalls(callIds: readonly string[]): Promise<Offer[]> {
    if (callIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('offers')
      .selectAll()
      .where('call_id', 'in', [...callIds])
      .orderBy('offered_at')
      .orderBy('id')
      .execute();
    return rows.map(offerFromRow);
  }

  async pendingOffersOf(expertId: string): Promise<Offer[]> {
    return this.pending(expertId);
  }

  async allPendingOffers(): Promise<Offer[]> {
    return this.pending(null);
  }

  private async pending(expertId: string | null): Promise<Offer[]> {
    let select = this.db.selectFrom('offers').selectAll().where('status', '=', 'pending');
    if (expertId !== null) select = select.where('expert_id', '=', expertId);
    const rows = await select.orderBy('offered_at').orderBy('id').execute();
    return rows.map(offerFromRow);
  }

  async accept(offerId: string, expertId: string, at: string): Promise<AcceptOutcome> {
    try {
      const outcome = await this.db.transaction().execute(async (trx) => {
        const target = await this.readOffer(trx, offerId);
        if (!target || target.expertId !== expertId) return { kind: 'not_found' } as const;
        if (this.concurrentWriters) {
          // Every accept of this call locks its offers in id order before writing: the racers
          // queue here instead of deadlocking on each other's rows and the unique index.
          await trx
            .selectFrom('offers')
            .select('id')
            .where('call_id', '=', target.callId)
            .orderBy('id')
            .forUpdate()
            .execute();
        }
        const won = await trx
          .updateTable('offers')
          .set({ status: 'accepted', ended_at: at })
          .where('id', '=', offerId)
          .where('status', '=', 'pending')
          .where('expires_at', '>', at)
          .executeTakeFirst();
        if (Number(won.numUpdatedRows) !== 1) return undefined;
        const rescinded = await trx
          .updateTable('offers')
          .set({ status: 'rescinded', ended_at: at })
          .where('call_id', '=', target.callId)
          .where('status', '=', 'pending')
          .returningAll()
          .execute();
        const offer: Offer = { ...target, status: 'accepted', endedAt: at };
        return { kind: 'accepted', offer, rescinded: rescinded.map(offerFromRow) } as const;
      });
      return outcome ?? (await this.refusal(offerId, at));
    } catch (error) {
      // The partial unique index refused a second accepted offer of the call: the other won.
      if (isUniqueViolation(error)) return this.refusal(offerId, at);
      throw error;
    }
  }

  async decline(offerId: string, expertId: string, at: string): Promise<DeclineOutcome> {
    const target = await this.readOffer(this.db, offerId);
    if (!target || target.expertId !== expertId) return { kind: 'not_found' };
    const declined = await this.db
      .updateTable('offers')
      .set({ status: 'declined', ended_at: at })
      .where('id', '=', offerId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(declined.numUpdatedRows) === 1)
      return { kind: 'declined', offer: { ...target, status: 'declined', endedAt: at } };
    return this.refusal(offerId, at);
  }

  async timeOutDue(at: string): Promise<Offer[]> {
    const rows = await this.db
      .updateTable('offers')
      .set({ status: 'timed_out', ended_at: at })
      .where('status', '=', 'pending')
      .where('expires_at', '<=', at)
      .returningAll()
      .execute();
    return rows.map(offerFromRow);
  }

  async releaseAccepted(callId: string, at: string): Promise<Offer[]> {
    const rows = await this.db
      .updateTable('offers')
      .set({ status: 'rescinded', ended_at: at })
      .where('call_id', '=', callId)
      .where('status', '=', 'accepted')
      .returningAll()
      .execute();
    return rows.map(offerFromRow);
  }

  async rescindPending(callId: string, at: string): Promise<Offer[]> {
    const rows = await this.db
      .updateTable('offers')
      .set({ status: 'rescinded', ended_at: at })
      .where('call_id', '=', callId)
      .where('status', '=', 'pending')
      .returningAll()
      .execute();
    return rows.map(offerFromRow);
  }

  private async readOffer(
    db: Kysely<BrokerDatabase> | Transaction<BrokerDatabase>,
    id: string,
  ): Promise<Offer | undefined> {
    const row = await db.selectFrom('offers').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? offerFromRow(row) : undefined;
  }

  /** Why the offer could not be accepted or declined, as it stands now. */
  private async refusal(offerId: string, at: string): Promise<OfferRefusal> {
    const offer = await this.readOffer(this.db, offerId);
    if (!offer) return { kind: 'not_found' };
    const winner = await this.db
      .selectFrom('offers')
      .select('id')
      .where('call_id', '=', offer.callId)
      .where('status', '=', 'accepted')
      .where('id', '!=', offer.id)
      .executeTakeFirst();
    if (winner) return { kind: 'taken', offer };
    if (offer.status === 'pending' && offer.expiresAt <= at) return { kind: 'expired', offer };
    return { kind: 'ended', offer };
  }
}
