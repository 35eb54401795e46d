import { Injectable } from '@nestjs/common';
import type { Transaction } from 'kysely';
import { ConflictError, NotFoundError } from '../common/broker-error.js';
import { Clock } from '../common/clock.js';
import type { BrokerDatabase } from '../database/schema.js';
import { DirectoryService, hasRole } from '../directory/directory.service.js';
import { QuotasService } from '../quotas/quotas.service.js';
import type { Person } from '../directory/person.js';
import { canSeeCall, seesEveryCall, seesQueuedCalls } from './call-access.js';
import { CallChange } from './call-change.js';
import { CallCreation } from './call-creation.js';
import { CreationInterruptedError, CreationReconciler } from './creation-reconciler.js';
import { fallbacksOnConnect } from './call-notices.js';
import type { FallbackMeeting } from './fallback-meetings.js';
import { ACTIVE_STATUSES, END_STATUSES, isCancellable } from './call-lifecycle.js';
import { CallLedger } from './call-ledger.service.js';
import type { CallEventRecord, CallRecord } from './call.model.js';
import { buildCallRecord } from './call-request.js';
import { CallRepository, StaleCallError } from './call.repository.js';
import { CallCreationFailedError } from './call.errors.js';
import { QueueAdmission } from './queue-admission.port.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { createdWindow, type CallSearch } from './call-search.js';
import type { CreateCallDto } from './dto/create-call.dto.js';
import { assertSameBody, idempotencyClaim } from './idempotency.js';

/** Calls a technician holds open for the active-calls cap: a booked session counts from its start. */
const HELD_STATUSES = ACTIVE_STATUSES.filter((status) => status !== 'planned');

/** How many of a technician's latest failed calls a connect looks at for open web meetings. */
const RECENT_FAILED_CALLS = 10;

export interface CallPage {
  calls: CallRecord[];
  nextCursor: string | null;
}

/** GET /v1/calls's query, validated (ListCallsQuery). */
export interface ListCallsOptions {
  status: 'active' | 'ended' | 'all';
  limit: number;
  cursor?: string;
  externalRef?: string;
  search?: string;
  /** Created at or after this instant; a search defaults it (createdWindow). */
  from?: string;
  /** Created before this instant. */
  to?: string;
}

/** Creating, reading and cancelling calls, with the contract's role and visibility rules. */
@Injectable()
export class CallsService {
  constructor(
    private readonly calls: CallRepository,
    private readonly ledger: CallLedger,
    private readonly directory: DirectoryService,
    private readonly creation: CallCreation,
    private readonly clock: Clock,
    private readonly quotas: QuotasService,
    private readonly reconciler: CreationReconciler,
    // Routing provides it globally; unit specs may leave it out (then queued requests are refused).
    private readonly admission?: QueueAdmission,
  ) {}

  /** Routing's admission; a broker without routing refuses queued requests. */
  private queues(): QueueAdmission {
    if (!this.admission) throw new ConflictError('this broker routes no queues; name the experts');
    return this.admission;
  }

  /**
   * The web meetings still open for a technician who connects (call.fallback again): among their
   * latest failed calls; none to look for when no fallback is configured.
   */
  async openFallbacks(person: Person): Promise<{ call: CallRecord; meeting: FallbackMeeting }[]> {
    if (!this.creation.offersFallbacks || !hasRole(person, 'technician')) return [];
    const failed = await this.calls.list({
      statuses: ['failed'],
      participantId: null,
      technicianId: person.id,
      limit: RECENT_FAILED_CALLS,
      before: null,
    });
    return fallbacksOnConnect(person, failed, this.clock.now());
  }

  /** Returns the ringing call; throws CallCreationFailedError (kept as failed) when xAssist refuses or is away. */
  async create(
    caller: Person,
    dto: CreateCallDto,
    idempotencyKey?: string,
  ): Promise<{ call: CallRecord; replayed: boolean }> {
    const call = buildCallRecord(this.directory, caller, dto, this.clock.isoNow());
    if (call.queueId !== null) this.queues().assertMayAsk(caller, call);
    const claim = idempotencyClaim(caller.id, idempotencyKey, dto, this.clock.now());
    await this.quotas.admitCreate(caller);
    // The caps are checked in the insert's transaction, so parallel creates cannot all see room.
    const outcome = await this.ledger.insert(call, claim, async (trx) => {
      await this.quotas.admitActiveCall(trx, call.technician.id, (limit) =>
        this.activeCallsOf(call.technician.id, limit, trx),
      );
      if (call.queueId !== null) await this.queues().admit(trx, call);
    });
    if (outcome.kind === 'existing') {
      assertSameBody(claim, outcome.bodyHash);
      // A creation a crash interrupted is reconciled with xAssist here (adopted: it resumes).
      const earlier = await this.reconciler.settled(outcome.callId);
      if (CreationInterruptedError.isInterrupted(earlier))
        throw new CreationInterruptedError(earlier);
      if (earlier.status === 'failed') throw new CallCreationFailedError(earlier);
      return { call: earlier, replayed: true };
    }
    if (call.queueId !== null) return { call: await this.queues().enqueue(call), replayed: false };
    return { call: await this.creation.create(call), replayed: false };
  }

  async get(caller: Person, id: string): Promise<CallRecord> {
    const call = await this.calls.find(id);
    if (!call || !canSeeCall(caller, call)) throw new NotFoundError(`call ${id} not found`);
    return call;
  }

  async list(caller: Person, options: ListCallsOptions): Promise<CallPage> {
    const { status, limit, cursor, externalRef, search } = options;
    const calls = await this.calls.list({
      statuses: status === 'all' ? null : status === 'active' ? ACTIVE_STATUSES : END_STATUSES,
      externalRef: externalRef ?? null,
      search: search === undefined ? null : this.callSearch(search),
      created: createdWindow(this.clock.now(), search !== undefined, options),
      participantId: seesEveryCall(caller) ? null : caller.id,
      includeQueued: seesQueuedCalls(caller),
      limit,
      before: cursor ? decodeCursor(cursor) : null,
    });
    const last = calls.at(-1);
    return { calls, nextCursor: calls.length === limit && last ? encodeCursor(last) : null };
  }

  /** The technicians' names live in the directory: those that hold the text are found by id. */
  private callSearch(text: string): CallSearch {
    const needle = text.toLowerCase();
    const technicianIds = this.directory
      .withRole('technician')
      .filter((person) => person.displayName.toLowerCase().includes(needle))
      .map((person) => person.id);
    return { text, technicianIds };
  }

  /** How many calls the technician holds open, counting up to `limit`. */
  private async activeCallsOf(
    technicianId: string,
    limit: number,
    trx: Transaction<BrokerDatabase>,
  ): Promise<number> {
    const calls = await this.calls.list(
      { statuses: HELD_STATUSES, participantId: null, technicianId, limit, before: null },
      trx,
    );
    return calls.length;
  }

  /** The call and its events after `afterSeq`, in seq order; one visibility check for both. */
  async withEvents(
    caller: Person,
    id: string,
    afterSeq: number,
  ): Promise<{ call: CallRecord; events: CallEventRecord[] }> {
    const call = await this.get(caller, id);
    return { call, events: await this.calls.events(id, afterSeq, 10_000) };
  }

  /** Stops a call that is not yet connected. xAssist has no cancel endpoint: we stop following it. */
  async cancel(caller: Person, id: string): Promise<CallRecord> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const call = await this.get(caller, id);
      if (!isCancellable(call.status))
        throw new ConflictError(`call ${id} is ${call.status} and can no longer be cancelled`);
      const change = new CallChange(call, this.clock.isoNow());
      change.transition('cancelled');
      try {
        await this.ledger.record(change);
      } catch (error) {
        if (error instanceof StaleCallError) continue;
        throw error;
      }
      // The tracker stops following it when the cancelled change reaches it on the update bus.
      return change.call;
    }
    throw new ConflictError(`call ${id} keeps changing; try again`);
  }
}
