import type { AppointmentTables } from './appointment.schema.js';
import type { ClusterTables } from './cluster.schema.js';
import type { OutboxTables } from './outbox.schema.js';
import type { PagingTables } from './paging.schema.js';
import type { QuotaTables } from './quota.schema.js';
import type { RoutingTables } from './routing.schema.js';
import type { WebhookTables } from './webhook.schema.js';

/**
 * Sizes of the columns that hold text from outside (the migrations create them so; PostgreSQL
 * enforces them, SQLite does not). Whatever is written must be bounded to these first.
 */
export const COLUMN_LIMITS = {
  /** call_events.type: `status.<status>` or `xassist.<xAssist's type>`. */
  callEventType: 128,
  /** xassist_events_seen.event_id. */
  xassistEventId: 64,
} as const;

/**
 * Rows per INSERT statement: SQLite allows 32,766 bound values per statement and PostgreSQL 65,535,
 * so a burst of thousands of events is written in chunks.
 */
export const INSERT_CHUNK_ROWS = 500;

/** Kysely's view of the tables; times are ISO-8601 UTC strings so they sort the same everywhere. */
export interface CallsTable {
  id: string;
  xassist_call_id: string | null;
  status: string;
  title: string;
  reason: string;
  call_type: string;
  technician_id: string;
  technician_json: string;
  experts_json: string;
  joined_expert_id: string | null;
  failure_reason: string | null;
  seq: number;
  created_by: string;
  anonymous_join_allowed: number;
  description: string | null;
  external_ref: string | null;
  /** A JSON object of strings; null for calls stored before context existed. */
  metadata_json: string | null;
  /** Routing (null for calls that named their experts, and for calls stored before routing). */
  queue_id: string | null;
  priority: string | null;
  queued_at: string | null;
  accepted_by_id: string | null;
  /** A `closed` request: when its queue opens next (ISO with the queue's offset); else null. */
  next_opens_at: string | null;
  /** A JSON array of the escalation step indexes already run; null for none. */
  escalations_json: string | null;
  /** The fallback meeting; its password sealed with DATA_ENCRYPTION_KEYS, null once wiped. */
  fallback_json: string | null;
  /** When the retention sweep wipes the meeting's password; null when none is kept. */
  fallback_password_until: string | null;
  /** The expert's wrap-up (latest version) as JSON; null until recorded, and before issue 23. */
  wrap_up_json: string | null;
  /** The technician's rating as JSON; null until given. */
  rating_json: string | null;
  /** A booked session's start (ISO-8601 UTC); null for a call wanted now, and before issue 24. */
  planned_for: string | null;
  created_at: string;
  ringing_at: string | null;
  expert_joined_at: string | null;
  connected_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

export interface CallExpertsTable {
  call_id: string;
  expert_id: string;
}

export interface CallEventsTable {
  call_id: string;
  seq: number;
  type: string;
  at: string;
  status: string;
  xassist_json: string | null;
}

export interface IdempotencyKeysTable {
  caller_id: string;
  key: string;
  body_hash: string;
  call_id: string;
  created_at: string;
}

export interface XAssistEventsSeenTable {
  call_id: string;
  event_id: string;
}

export interface BrokerDatabase
  extends
    RoutingTables,
    QuotaTables,
    WebhookTables,
    OutboxTables,
    PagingTables,
    ClusterTables,
    AppointmentTables {
  calls: CallsTable;
  call_experts: CallExpertsTable;
  call_events: CallEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  xassist_events_seen: XAssistEventsSeenTable;
}
