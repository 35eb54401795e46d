import type { Selectable, Transaction } from 'kysely';
import type { SecretBox } from '../common/secret-box.js';
import {
  INSERT_CHUNK_ROWS,
  type BrokerDatabase,
  type CallEventsTable,
  type CallsTable,
} from '../database/schema.js';
import type { CallReason, CallType } from '../xassist-contract/xassist-contract.js';
import type { CallStatus } from './call-lifecycle.js';
import type { CallEventRecord, CallRecord, Priority } from './call.model.js';
import { fallbackOf, storedFallback } from './fallback-at-rest.js';

/** How a call and its events map onto their rows (SQLite and PostgreSQL alike). */

export function toRow(call: CallRecord, box: SecretBox): CallsTable {
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
    next_opens_at: call.nextOpensAt,
    escalations_json:
      call.escalationsDone.length === 0 ? null : JSON.stringify(call.escalationsDone),
    ...storedFallback(box, call.id, call.fallbackMeeting),
    wrap_up_json: call.wrapUp === null ? null : JSON.stringify(call.wrapUp),
    rating_json: call.rating === null ? null : JSON.stringify(call.rating),
    planned_for: call.plannedFor,
    created_at: call.createdAt,
    ringing_at: call.ringingAt,
    expert_joined_at: call.expertJoinedAt,
    connected_at: call.connectedAt,
    ended_at: call.endedAt,
    updated_at: call.updatedAt,
  };
}

export function fromRow(row: Selectable<CallsTable>, box: SecretBox): CallRecord {
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
    nextOpensAt: row.next_opens_at ?? null,
    escalationsDone: row.escalations_json === null ? [] : JSON.parse(row.escalations_json),
    fallbackMeeting: fallbackOf(box, row.id, row.fallback_json),
    wrapUp: row.wrap_up_json ? JSON.parse(row.wrap_up_json) : null,
    rating: row.rating_json ? JSON.parse(row.rating_json) : null,
    plannedFor: row.planned_for ?? null,
    createdAt: row.created_at,
    ringingAt: row.ringing_at,
    expertJoinedAt: row.expert_joined_at,
    connectedAt: row.connected_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}

export function eventToRow(event: CallEventRecord): CallEventsTable {
  return {
    call_id: event.callId,
    seq: event.seq,
    type: event.type,
    at: event.at,
    status: event.status,
    xassist_json: event.xassist === null ? null : JSON.stringify(event.xassist),
  };
}

export function eventFromRow(row: Selectable<CallEventsTable>): CallEventRecord {
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
export function chunks<T>(rows: T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS)
    result.push(rows.slice(start, start + INSERT_CHUNK_ROWS));
  return result;
}

/** Status events after which a routed call's experts may differ from those stored. */
export const EXPERTS_CHANGE_WITH = new Set(['status.creating', 'status.queued']);

/** Who may find the call by person (a queued call has none until an expert accepts it). */
export async function insertExperts(
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
