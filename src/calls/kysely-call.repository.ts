import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Kysely, Transaction } from 'kysely';
import { SecretBox } from '../common/secret-box.js';
import { DATABASE } from '../database/database.module.js';
import type { BrokerDatabase } from '../database/schema.js';
import { isUniqueViolation } from '../database/unique-violation.js';
import type { CallStatus } from './call-lifecycle.js';
import type { CallEventRecord, CallRecord, Priority } from './call.model.js';
import {
  chunks,
  eventFromRow,
  eventToRow,
  EXPERTS_CHANGE_WITH,
  fromRow,
  insertExperts,
  toRow,
} from './call-rows.js';
import { searchCondition } from './call-search.js';
import {
  CallRepository,
  StaleCallError,
  type CallListQuery,
  type IdempotencyClaim,
  type InsertOutcome,
  type QueuedSummary,
  type WriteAlongside,
} from './call.repository.js';

@Injectable()
export class KyselyCallRepository extends CallRepository {
  constructor(
    @Inject(DATABASE) private readonly db: Kysely<BrokerDatabase>,
    // Without keys (unit specs, production with no channels) no fallback meeting is ever stored.
    @Optional() private readonly box: SecretBox = new SecretBox([]),
  ) {
    super();
  }

  async insert(
    call: CallRecord,
    claim: IdempotencyClaim | null,
    alongside?: WriteAlongside,
  ): Promise<InsertOutcome> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        if (claim) {
          const existing = await trx
            .selectFrom('idempotency_keys')
            .select(['call_id', 'body_hash', 'created_at'])
            .where('caller_id', '=', claim.callerId)
            .where('key', '=', claim.key)
            .executeTakeFirst();
          if (existing && existing.created_at >= claim.notBefore) {
            return {
              kind: 'existing',
              callId: existing.call_id,
              bodyHash: existing.body_hash,
            } as const;
          }
          if (existing) {
            await trx
              .deleteFrom('idempotency_keys')
              .where('caller_id', '=', claim.callerId)
              .where('key', '=', claim.key)
              .execute();
          }
        }
        await trx.insertInto('calls').values(toRow(call, this.box)).execute();
        await insertExperts(trx, call.id, call.experts);
        if (claim) {
          await trx
            .insertInto('idempotency_keys')
            .values({
              caller_id: claim.callerId,
              key: claim.key,
              body_hash: claim.bodyHash,
              call_id: call.id,
              created_at: call.createdAt,
            })
            .execute();
        }
        await alongside?.(trx);
        return { kind: 'inserted', call } as const;
      });
    } catch (error) {
      // Another instance claimed the key between our read and our insert: report its call.
      if (claim && isUniqueViolation(error)) {
        const winner = await this.db
          .selectFrom('idempotency_keys')
          .select(['call_id', 'body_hash'])
          .where('caller_id', '=', claim.callerId)
          .where('key', '=', claim.key)
          .executeTakeFirst();
        if (winner) return { kind: 'existing', callId: winner.call_id, bodyHash: winner.body_hash };
      }
      throw error;
    }
  }

  async commit(
    call: CallRecord,
    expectedSeq: number,
    events: CallEventRecord[],
    seen: string[],
    alongside?: WriteAlongside,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const { id, created_at: _createdAt, ...changes } = toRow(call, this.box);
      const result = await trx
        .updateTable('calls')
        .set(changes)
        .where('id', '=', id)
        .where('seq', '=', expectedSeq)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1)
        throw new StaleCallError(`call ${id} changed meanwhile`);
      for (const chunk of chunks(events))
        await trx.insertInto('call_events').values(chunk.map(eventToRow)).execute();
      // Routing changes who the call's experts are (an accept; a failed accept puts it back).
      if (events.some((event) => EXPERTS_CHANGE_WITH.has(event.type))) {
        await trx.deleteFrom('call_experts').where('call_id', '=', id).execute();
        await insertExperts(trx, id, call.experts);
      }
      for (const chunk of chunks(seen)) {
        await trx
          .insertInto('xassist_events_seen')
          .values(chunk.map((eventId) => ({ call_id: id, event_id: eventId })))
          .execute();
      }
      await alongside?.(trx);
    });
  }

  async find(id: string): Promise<CallRecord | undefined> {
    const row = await this.db
      .selectFrom('calls')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? fromRow(row, this.box) : undefined;
  }

  async list(query: CallListQuery, trx?: Transaction<BrokerDatabase>): Promise<CallRecord[]> {
    let select = (trx ?? this.db).selectFrom('calls').selectAll();
    if (query.statuses) select = select.where('status', 'in', [...query.statuses]);
    if (query.externalRef) select = select.where('external_ref', '=', query.externalRef);
    const search = query.search;
    if (search) select = select.where((eb) => searchCondition(eb, search));
    // ISO-8601 UTC text orders as time: a range of the (created_at, id) index.
    if (query.created?.from) select = select.where('created_at', '>=', query.created.from);
    if (query.created?.to) select = select.where('created_at', '<', query.created.to);
    if (query.technicianId) select = select.where('technician_id', '=', query.technicianId);
    if (query.participantId !== null) {
      const person = query.participantId;
      const includeQueued = query.includeQueued === true;
      select = select.where((eb) =>
        eb.or([
          eb('technician_id', '=', person),
          eb(
            'id',
            'in',
            eb.selectFrom('call_experts').select('call_id').where('expert_id', '=', person),
          ),
          // isQueueWatchable in SQL: waiting, or routed and unanswered with nobody accepting.
          ...(includeQueued
            ? [
                eb('status', 'in', ['queued', 'callback_pending']),
                eb.and([
                  eb('status', '=', 'unanswered'),
                  eb('queue_id', 'is not', null),
                  eb('accepted_by_id', 'is', null),
                ]),
              ]
            : []),
        ]),
      );
    }
    if (query.before) {
      const { createdAt, id } = query.before;
      select = select.where((eb) =>
        eb.or([
          eb('created_at', '<', createdAt),
          eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)]),
        ]),
      );
    }
    select = select.orderBy('created_at', 'desc').orderBy('id', 'desc');
    if (query.limit !== null) select = select.limit(query.limit);
    const rows = await select.execute();
    return rows.map((row) => fromRow(row, this.box));
  }

  async events(callId: string, afterSeq: number, limit: number): Promise<CallEventRecord[]> {
    const rows = await this.db
      .selectFrom('call_events')
      .selectAll()
      .where('call_id', '=', callId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(eventFromRow);
  }

  async statusBefore(callId: string, status: CallStatus): Promise<CallStatus | undefined> {
    const row = await this.db
      .selectFrom('call_events')
      .select('status')
      .where('call_id', '=', callId)
      .where('status', '!=', status)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.status as CallStatus | undefined;
  }

  async countQueued(
    queueId: string,
    limit: number,
    trx?: Transaction<BrokerDatabase>,
    technicianId?: string,
  ): Promise<number> {
    let select = (trx ?? this.db).selectFrom('calls').select('id').where('queue_id', '=', queueId);
    if (technicianId !== undefined) select = select.where('technician_id', '=', technicianId);
    const rows = await select
      .where((eb) =>
        eb.or([
          eb('status', '=', 'queued'),
          eb.and([eb('status', '=', 'creating'), eb('accepted_by_id', 'is', null)]),
        ]),
      )
      .limit(limit)
      .execute();
    return rows.length;
  }

  async queuedSummaries(): Promise<QueuedSummary[]> {
    const rows = await this.db
      .selectFrom('calls')
      .select(['id', 'queue_id', 'priority', 'queued_at', 'created_at', 'technician_id'])
      .select('created_by')
      .select('escalations_json')
      .where('status', '=', 'queued')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      queueId: row.queue_id ?? '',
      priority: (row.priority ?? 'normal') as Priority,
      queuedAt: row.queued_at ?? row.created_at,
      technicianId: row.technician_id,
      createdBy: row.created_by,
      escalationsDone: row.escalations_json === null ? [] : JSON.parse(row.escalations_json),
    }));
  }

  async findMany(ids: readonly string[], trx?: Transaction<BrokerDatabase>): Promise<CallRecord[]> {
    const found: CallRecord[] = [];
    for (const chunk of chunks([...ids])) {
      const rows = await (trx ?? this.db)
        .selectFrom('calls')
        .selectAll()
        .where('id', 'in', chunk)
        .execute();
      found.push(...rows.map((row) => fromRow(row, this.box)));
    }
    return found;
  }

  async withStatus(statuses: readonly CallStatus[]): Promise<CallRecord[]> {
    const rows = await this.db
      .selectFrom('calls')
      .selectAll()
      .where('status', 'in', [...statuses])
      .execute();
    return rows.map((row) => fromRow(row, this.box));
  }

  async linkedXAssistCallIds(xassistCallIds: readonly string[]): Promise<Set<string>> {
    if (xassistCallIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('calls')
      .select('xassist_call_id')
      .where('xassist_call_id', 'in', [...xassistCallIds])
      .execute();
    return new Set(rows.flatMap((row) => row.xassist_call_id ?? []));
  }

  async seenXAssistEventIds(callId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('xassist_events_seen')
      .select('event_id')
      .where('call_id', '=', callId)
      .execute();
    return new Set(rows.map((row) => row.event_id));
  }
}
