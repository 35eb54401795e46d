import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ConflictError, NotFoundError } from '../common/broker-error.js';
import { Clock } from '../common/clock.js';
import { DirectoryService } from '../directory/directory.service.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { XAssistClient } from '../xassist/xassist-client.port.js';
import { XAssistAuthError, XAssistError, XAssistRejectedError } from '../xassist/xassist.errors.js';
import type { CallLog } from '../xassist-contract/xassist-contract.js';
import { CallChange } from './call-change.js';
import { CallLedger } from './call-ledger.service.js';
import type { CallRecord } from './call.model.js';
import { applyCallLog } from './call-progress.js';
import { CallRepository, StaleCallError } from './call.repository.js';
import { CallCreationFailedError, FAILURE_REASON } from './call.errors.js';
import { fallbackApplies, FallbackMeetings } from './fallback-meetings.js';
import { xassistCallBody } from './xassist-call-body.js';

/**
 * What a call whose creation failed becomes (routing: back where it waited, not `failed`), read
 * fresh at each attempt of a seq-guarded commit; the reconciler's commits take the same shape.
 */
export type FailedCreation = (current: CallRecord, at: string) => CallChange;

/** Where a routed request waits for an expert: in its queue, or as a callback. */
export type WaitingStatus = 'queued' | 'callback_pending';

/**
 * An accept or a taken callback that made no xAssist call: the request waits again where it
 * waited before, for another expert, and its log says why (`routing.accept_failed`). The one
 * answer for routing's live failures and for the reconciler's interrupted ones.
 */
export function backToWaiting(current: CallRecord, at: string, waiting: WaitingStatus): CallChange {
  const change = new CallChange(current, at);
  change.noteRouting('accept_failed');
  change.transition(waiting, {
    experts: [],
    acceptedById: null,
    ...(waiting === 'queued' ? { queuedAt: current.queuedAt ?? current.createdAt } : {}),
  });
  return change;
}

/** A commit that keeps meeting newer writes gives up after this many reloads. */
const COMMIT_ATTEMPTS = 5;

/**
 * Takes a call from `creating` to ringing in two steps: the xAssist step (createCall), whose
 * errors alone mark the call failed, and the commit step, which records what xAssist answered.
 * A call changed meanwhile (a cancel) is reloaded and answered as it now is, never as a 500.
 */
@Injectable()
export class CallCreation {
  /** Creations under way in this process, so that a concurrent duplicate can wait for the first. */
  private readonly inFlight = new Map<string, Promise<CallRecord>>();

  constructor(
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly calls: CallRepository,
    private readonly ledger: CallLedger,
    private readonly directory: DirectoryService,
    private readonly xassist: XAssistClient,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    private readonly fallbacks: FallbackMeetings,
  ) {}

  /** Whether a failed creation may be answered with a web meeting (a tool is configured). */
  get offersFallbacks(): boolean {
    return this.fallbacks.configured;
  }

  /** Whether this process is creating the call right now. */
  isInFlight(callId: string): boolean {
    return this.inFlight.has(callId);
  }

  /**
   * Runs `work` as the one creation of this call in this process; callers that come while it
   * runs share its outcome.
   */
  exclusively(callId: string, work: () => Promise<CallRecord>): Promise<CallRecord> {
    const running = this.inFlight.get(callId);
    if (running) return running;
    const creation = work().finally(() => this.inFlight.delete(callId));
    this.inFlight.set(callId, creation);
    return creation;
  }

  /** Creates a call just inserted as `creating`; throws CallCreationFailedError when xAssist fails. */
  create(call: CallRecord): Promise<CallRecord> {
    return this.exclusively(call.id, () => this.createOnXAssist(call));
  }

  /**
   * Creates on xAssist a call another module puts into `creating` with `take` (routing's accept:
   * the call becomes the expert's alone), the same way as a named call. When xAssist fails,
   * `instead` is what the call becomes rather than failed (routing: back in its queue), and the
   * caller gets CallCreationFailedError with the reason.
   */
  createTaken(
    call: CallRecord,
    take: (current: CallRecord, at: string) => CallChange,
    instead: FailedCreation,
  ): Promise<CallRecord> {
    return this.exclusively(call.id, async () => {
      const taken = await this.commitWithReload(call, (current) =>
        take(current, this.clock.isoNow()),
      );
      return this.createOnXAssist(taken, instead);
    });
  }

  /** The earlier creation's outcome, shared when it runs here, else read back once it settled. */
  async settled(callId: string, timeoutMs = 30_000): Promise<CallRecord> {
    const local = this.inFlight.get(callId);
    if (local) return local.catch(() => this.reload(callId));
    for (let waited = 0; ; waited += 100) {
      const call = await this.reload(callId);
      if (call.status !== 'creating' || waited >= timeoutMs) return call;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async createOnXAssist(call: CallRecord, instead?: FailedCreation): Promise<CallRecord> {
    let log: CallLog;
    try {
      const connector = await this.xassist.connectorContact();
      log = await this.xassist.createCall(xassistCallBody(this.directory, call, connector));
    } catch (error) {
      if (!(error instanceof XAssistError)) throw error;
      return this.recordFailure(call, error, instead);
    }
    return this.recordRinging(call, log);
  }

  /**
   * The commit step: the call rings and is followed. When it moved on meanwhile (cancelled while
   * xAssist answered), the xAssist call is still linked to it, so that it is never adopted twice.
   */
  async recordRinging(call: CallRecord, log: CallLog): Promise<CallRecord> {
    return this.commitWithReload(call, (current) => {
      const change = new CallChange(current, this.clock.isoNow());
      if (current.status === 'creating') {
        // A booked session's call waits for its start (the tracker's timer rings it then).
        const next = current.plannedFor === null ? 'ringing' : 'planned';
        change.transition(next, { xassistCallId: log.callId });
      } else if (current.xassistCallId === null) {
        change.linkXAssistCall(log.callId);
        this.logger.warn(
          { callId: call.id, xassistCallId: log.callId, status: current.status },
          'the call changed while xAssist created it; xAssist has no cancel, its call rings out',
        );
      } else {
        return null;
      }
      applyCallLog(change, log, new Set());
      return change;
    }).then((committed) => {
      // The tracker picks the ringing call up from the update bus, like every committed change.
      const ringing = committed.status === 'ringing' && committed.xassistCallId === log.callId;
      this.metrics.callsCreated.inc({ outcome: ringing ? 'ringing' : committed.status });
      return committed;
    });
  }

  /**
   * Commits what `make` makes of the call while it is still in the same creation (`creating`
   * since the same commit: the reconciler failing an orphan, or putting an accept back where it
   * waited); one that moved on meanwhile (a cancel, or put back and accepted anew) is answered as
   * it now is.
   */
  commitWhileCreating(call: CallRecord, make: FailedCreation): Promise<CallRecord> {
    return this.commitWithReload(call, (current) =>
      current.status === 'creating' && current.updatedAt === call.updatedAt
        ? make(current, this.clock.isoNow())
        : null,
    );
  }

  /** Only xAssist's own errors fail a call, and only one still `creating`. */
  private async recordFailure(
    call: CallRecord,
    error: XAssistError,
    instead?: FailedCreation,
  ): Promise<CallRecord> {
    // xAssist's own words stay in this log line; the call and its answer say it plainly.
    const reason =
      error instanceof XAssistAuthError
        ? FAILURE_REASON.credentialsRefused
        : error instanceof XAssistRejectedError
          ? FAILURE_REASON.rejected
          : FAILURE_REASON.unavailable;
    this.logger.warn({ callId: call.id, err: error }, 'creating the call on xAssist failed');
    // Made before the commit (it calls out), recorded by it: the failure and the offer are one change.
    const meeting =
      !instead && fallbackApplies(call, error) ? await this.fallbacks.meetingFor(call) : null;
    let spared = false;
    const now = await this.commitWithReload(call, (current) => {
      if (current.status !== 'creating') return null;
      if (instead) {
        spared = true;
        return instead(current, this.clock.isoNow());
      }
      const change = new CallChange(current, this.clock.isoNow());
      change.transition('failed', { failureReason: reason });
      if (meeting) change.offerFallback(meeting);
      return change;
    });
    if (spared) throw new CallCreationFailedError(now, reason);
    if (now.status !== 'failed') return now;
    this.metrics.callsCreated.inc({ outcome: 'failed' });
    throw new CallCreationFailedError(now);
  }

  /** Builds a change from the call as stored and commits it; on a lost race reloads and tries again. */
  private async commitWithReload(
    call: CallRecord,
    changeOf: (current: CallRecord) => CallChange | null,
  ): Promise<CallRecord> {
    let current = call;
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
      const change = changeOf(current);
      if (!change) return current;
      try {
        await this.ledger.record(change);
        return change.call;
      } catch (error) {
        if (!(error instanceof StaleCallError)) throw error;
        current = await this.reload(call.id);
      }
    }
    throw new ConflictError(`call ${call.id} keeps changing; ask for it again`);
  }

  private async reload(callId: string): Promise<CallRecord> {
    const call = await this.calls.find(callId);
    if (!call) throw new NotFoundError(`call ${callId} not found`);
    return call;
  }
}
