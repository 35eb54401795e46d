import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { SecretBox } from '../common/secret-box.js';
import { DATABASE } from '../database/database.module.js';
import {
  INSERT_CHUNK_ROWS,
  type BrokerDatabase,
  type CallEventsTable,
  type CallsTable,
} from '../database/schema.js';
import type { CallReason, CallType } from '../xassist-contract/xassist-contract.js';
import type { Priority } from './call.model.js';
import type { CallStatus } from './call-lifecycle.js';
import type { CallEventRecord, CallRecord } from './call.model.js';
import { fallbackOf, storedFallback } from './fallback-at-rest.js';
import {
  CallRepository,
  StaleCallError,
  type CallListQuery,
  type IdempotencyClaim,
  type InsertOutcome,
  type QueuedSummary,
  type WriteAlongside,
} from './call.repository.js';

function toRow(call: CallRecord, box: SecretBox): CallsTable {
  return {
    id: call.id,
    xassist_call_id: call.xassistCallId,
    status: call.status,
    title: call.title,
    reason: call.reason,
    call_type: call.callType,
    technician_id: call.technician.id,
    technician_json: JSON.stringify(call.technician),
    experts_json: JSON.stringify(call.experts),
    joined_expert_id: call.joinedExpertId,
    failure_reason: call.failureReason,
    seq: call.seq,
    created_by: call.createdBy,
    anonymous_join_allowed: call.anonymousJoinAllowed ? 1 : 0,
    description: call.description,
    external_ref: call.externalRef,
    metadata_json: JSON.stringify(call.metadata),
    queue_id: call.queueId,
    priority: call.priority,
    queued_at: call.queuedAt,
    accepted_by_id: call.acceptedById,
    escalations_json:
      call.escalationsDone.length === 0 ? null : JSON.stringify(call.escalationsDone),
    ...storedFallback(box, call.id, call.fallbackMeeting),
    created_at: call.createdAt,
    ringing_at: call.ringingAt,
    expert_joined_at: call.expertJoinedAt,
    connected_at: call.connectedAt,
    ended_at: call.endedAt,
    updated_at: call.updatedAt,
  };
}

function fromRow(row: Selectable<CallsTable>, box: SecretBox): CallRecord {
  return {
    id: row.id,
    xassistCallId: row.xassist_call_id,
    status: row.status as CallStatus,
    title: row.title,
    reason: row.reason as CallReason,
    callType: row.call_type as CallType,
    technician: JSON.parse(row.technician_json),
    experts: JSON.parse(row.experts_json),
    joinedExpertId: row.joined_expert_id,
    failureReason: row.failure_reason,
    seq: Number(row.seq),
    createdBy: row.created_by,
    anonymousJoinAllowed: Number(row.anonymous_join_allowed) === 1,
    description: row.description,
    externalRef: row.external_ref,
    metadata: row.metadata_json === null ? {} : JSON.parse(row.metadata_json),
    queueId: row.queue_id,
    priority: (row.priority ?? 'normal') as Priority,
    queuedAt: row.queued_at,
    acceptedById: row.accepted_by_id,
    escalationsDone: row.escalations_json === null ? [] : JSON.parse(row.escalations_json),
    fallbackMeeting: fallbackOf(box, row.id, row.fallback_json),
    createdAt: row.created_at,
    ringingAt: row.ringing_at,
    expertJoinedAt: row.expert_joined_at,
    connectedAt: row.connected_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}

function eventToRow(event: CallEventRecord): CallEventsTable {
  return {
    call_id: event.callId,
    seq: event.seq,
    type: event.type,
    at: event.at,
    status: event.status,
    xassist_json: event.xassist === null ? null : JSON.stringify(event.xassist),
  };
}

function eventFromRow(row: Selectable<CallEventsTable>): CallEventRecord {
  return {
    callId: row.call_id,
    seq: Number(row.seq),
    type: row.type,
    at: row.at,
    status: row.status as CallStatus,
    xassist: row.xassist_json === null ? null : JSON.parse(row.xassist_json),
  };
}

/** Splits rows so that no INSERT exceeds the databases' bound-value limits. */
function chunks<T>(rows: T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS)
    result.push(rows.slice(start, start + INSERT_CHUNK_ROWS));
  return result;
}

/** Status events after which a routed call's experts may differ from those stored. */
const EXPERTS_CHANGE_WITH = new Set(['status.creating', 'status.queued']);

/** Who may find the call by person (a queued call has none until an expert accepts it). */
async function insertExperts(
  trx: Transaction<BrokerDatabase>,
  callId: string,
  experts: readonly { id: string }[],
): Promise<void> {
  if (experts.length === 0) return;
  await trx
    .insertInto('call_experts')
    .values(experts.map((expert) => ({ call_id: callId, expert_id: expert.id })))
    .execute();
}

/** A primary-key or unique-index clash, on SQLite or PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
  const { code } = error as { code?: string };
  return (
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === '23505'
  );
}

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
                eb('status', '=', 'queued'),
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
