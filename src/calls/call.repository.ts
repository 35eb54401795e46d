import type { Transaction } from 'kysely';
import type { BrokerDatabase } from '../database/schema.js';
import type { CallSearch, CreatedWindow } from './call-search.js';
import type { CallStatus } from './call-lifecycle.js';
import type { CallEventRecord, CallRecord } from './call.model.js';

export interface IdempotencyClaim {
  callerId: string;
  key: string;
  bodyHash: string;
  /** Claims older than this are forgotten and the key may be used afresh. */
  notBefore: string;
}

export type InsertOutcome =
  { kind: 'inserted'; call: CallRecord } | { kind: 'existing'; callId: string; bodyHash: string };

export interface CallListQuery {
  statuses: readonly CallStatus[] | null;
  /** Only calls with exactly this externalRef; absent or null: any. */
  externalRef?: string | null;
  /** Only calls the search finds (call-search.ts); absent or null: any. */
  search?: CallSearch | null;
  /** Only calls created in this window (createdWindow); absent: any. */
  created?: CreatedWindow;
  /** Null: every call. Otherwise only calls where this person is the technician or an invited expert. */
  participantId: string | null;
  /** With participantId: also the queues' requests experts may see (isQueueWatchable). */
  includeQueued?: boolean;
  /** Only calls for this technician; absent or null: any. */
  technicianId?: string | null;
  /** Null: every matching call. */
  limit: number | null;
  /** Exclusive: calls strictly older than this (createdAt, id) pair. */
  before: { createdAt: string; id: string } | null;
}

/** Rows another module writes in the same transaction as a call change (the webhook outbox). */
export type WriteAlongside = (trx: Transaction<BrokerDatabase>) => Promise<void>;

/** What routing reads of every waiting call on each tick: a few columns, no JSON to parse. */
export interface QueuedSummary {
  id: string;
  queueId: string;
  priority: CallRecord['priority'];
  queuedAt: string;
  technicianId: string;
  /** Who created the request (the technician, or a supervisor or integration for them). */
  createdBy: string;
  escalationsDone: number[];
}

/** Another writer changed the call first; reload and try again. */
export class StaleCallError extends Error {
  override name = 'StaleCallError';
}

/**
 * A check a commit runs in its transaction, after the seq-guarded update of the call: a throw
 * rolls the change back (the call tracker's lease, call-leases.ts).
 */
export interface CommitFence {
  verify(trx: Transaction<BrokerDatabase>): Promise<void>;
}

/** The committing instance no longer holds the call's lease (another one follows it now). */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(
    readonly callId: string,
    readonly epoch: number,
  ) {
    super(`the lease of call ${callId} (epoch ${epoch}) is no longer held`);
  }
}

/**
 * Where calls and their event logs live. An abstract class so it is its own DI token; the Kysely
 * implementation runs on SQLite and PostgreSQL alike.
 */
export abstract class CallRepository {
  /** Inserts a new call, claiming the idempotency key in the same transaction when one is given. */
  abstract insert(
    call: CallRecord,
    claim: IdempotencyClaim | null,
    alongside?: WriteAlongside,
  ): Promise<InsertOutcome>;
  /** Writes the call row and its new events atomically, if nobody moved its seq meanwhile. */
  abstract commit(
    call: CallRecord,
    expectedSeq: number,
    events: CallEventRecord[],
    seenXAssistEventIds: string[],
    alongside?: WriteAlongside,
  ): Promise<void>;
  abstract find(id: string): Promise<CallRecord | undefined>;
  /** Read in `trx` when given: a check inside another write's transaction. */
  abstract list(query: CallListQuery, trx?: Transaction<BrokerDatabase>): Promise<CallRecord[]>;
  abstract events(callId: string, afterSeq: number, limit: number): Promise<CallEventRecord[]>;
  /** The status the call had before it last entered `status` (from its events); undefined if none. */
  abstract statusBefore(callId: string, status: CallStatus): Promise<CallStatus | undefined>;
  /**
   * Calls waiting in this queue now, and routed calls just inserted that are about to (still
   * `creating`, nobody accepted), counting up to `limit`; read in `trx` when given; only this
   * technician's when `technicianId` is given (their share of the queue).
   */
  abstract countQueued(
    queueId: string,
    limit: number,
    trx?: Transaction<BrokerDatabase>,
    technicianId?: string,
  ): Promise<number>;
  /** Every call waiting in a queue now, as routing needs it. */
  abstract queuedSummaries(): Promise<QueuedSummary[]>;
  /** The calls with these ids (those that exist), in no particular order. */
  /** Read in `trx` when given (routing reads the calls it offers inside the offers' transaction). */
  abstract findMany(
    ids: readonly string[],
    trx?: Transaction<BrokerDatabase>,
  ): Promise<CallRecord[]>;
  abstract withStatus(statuses: readonly CallStatus[]): Promise<CallRecord[]>;
  abstract seenXAssistEventIds(callId: string): Promise<Set<string>>;
  /** Which of these xAssist calls a broker call is linked to already. */
  abstract linkedXAssistCallIds(xassistCallIds: readonly string[]): Promise<Set<string>>;
}
