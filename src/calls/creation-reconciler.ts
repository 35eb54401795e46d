import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { BrokerError, NotFoundError } from '../common/broker-error.js';
import { Clock, type TimerHandle } from '../common/clock.js';
import { SERVICE_ERROR_CODE } from '../common/error-answer.js';
import { ClusterRole } from '../cluster/cluster-role.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { XAssistClient } from '../xassist/xassist-client.port.js';
import { backToWaiting, CallCreation } from './call-creation.js';
import { CallChange } from './call-change.js';
import { toCallView, type CallRecord } from './call.model.js';
import { CallRepository } from './call.repository.js';
import { FAILURE_REASON } from './call.errors.js';
import { QueueAdmission } from './queue-admission.port.js';
import { RepeatedFailureLog } from './repeated-failure-log.js';
import {
  creationStartedAt,
  fingerprintOf,
  isCandidate,
  matchCreatedCall,
} from './xassist-call-match.js';

/** A reconciliation xAssist could not answer is tried again this much later. */
const RETRY_MS = 5_000;

/**
 * Settles calls left in `creating` by a broker that stopped (kill -9, a crash) between our row
 * and xAssist's answer: looks the call up on xAssist (getFilteredCallLogsV2, see
 * xassist-call-match.ts for the rule) and adopts the one match, so that it rings and is followed;
 * without a match, or with several, the call is failed with a reason that says which. A routed
 * request stopped between its row and its admission (isInterruptedAdmission) never reached
 * xAssist: routing's QueueAdmission finishes it instead, as it would have ended then.
 * Runs when the request is retried with its Idempotency-Key, and on the leader (a
 * once-per-cluster job): at start-up or on becoming the leader, then, with several instances,
 * every creationTimeoutMs (another instance may stop mid-creation while we lead). Only calls
 * older than a creation can take are touched: another instance may still be creating the
 * younger ones.
 */
@Injectable()
export class CreationReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly running = new Map<string, Promise<CallRecord>>();
  private readonly timers = new Map<string, TimerHandle>();
  private readonly logger: Logger;
  private readonly failures: RepeatedFailureLog;
  private stopped = false;
  private rescan?: TimerHandle;

  // Its commits (fail, putBack) go through CallCreation.commitWhileCreating, the one reload-on-race
  // commit of a `creating` call: no CallLedger and no copy of that loop here, which leaves room
  // for routing's admission within eight dependencies.
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly calls: CallRepository,
    private readonly creation: CallCreation,
    private readonly xassist: XAssistClient,
    private readonly clock: Clock,
    private readonly role: ClusterRole,
    // Routing provides it globally; unit specs may leave it out (then no admission is finished).
    private readonly admission?: QueueAdmission,
  ) {
    this.logger = logger.child({ component: 'creation-reconciler' });
    this.failures = new RepeatedFailureLog(this.logger, 'warn', 'reconciling a creation failed');
  }

  /**
   * The longest a creation can be under way: a login, then the one createCall attempt (it is not
   * retried once it may have reached xAssist), each bounded by connect plus request timeout.
   */
  get creationTimeoutMs(): number {
    const { requestTimeoutMs, connectTimeoutMs } = this.config.xassist;
    return 2 * (requestTimeoutMs + connectTimeoutMs);
  }

  /** Milliseconds until nobody can still be creating the call (0: it is orphaned if `creating`). */
  dueIn(call: CallRecord): number {
    return Math.max(0, creationStartedAt(call) + this.creationTimeoutMs - this.clock.now());
  }

  async onApplicationBootstrap(): Promise<void> {
    this.role.onLeadershipChange((leader) => {
      if (!leader) return this.unschedule();
      this.scan().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'looking for calls left in creating failed'),
      );
    });
    if (this.role.isLeader()) await this.scan();
  }

  onApplicationShutdown(): Promise<unknown> {
    this.stopped = true;
    this.unschedule();
    return Promise.allSettled([...this.running.values()]);
  }

  /** Schedules every `creating` call not yet scheduled for when it can no longer be under way. */
  private async scan(): Promise<void> {
    this.clock.clearTimeout(this.rescan);
    if (this.stopped || !this.role.isLeader()) return;
    const creating = await this.calls.withStatus(['creating']);
    const fresh = creating.filter((call) => !this.timers.has(call.id));
    for (const call of fresh) this.later(call, this.dueIn(call));
    if (fresh.length > 0)
      this.logger.info({ calls: fresh.length }, 'reconciling calls left in creating');
    if (this.role.several && !this.stopped && this.role.isLeader())
      this.rescan = this.clock.setTimeout(
        () =>
          void this.scan().catch((error: unknown) =>
            this.logger.warn({ err: error }, 'looking for calls left in creating failed'),
          ),
        this.creationTimeoutMs,
      );
  }

  /** Not the leader (or stopping): the scheduled reconciliations are the next leader's. */
  private unschedule(): void {
    this.clock.clearTimeout(this.rescan);
    for (const timer of this.timers.values()) this.clock.clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * An earlier request's call, for a retry with the same Idempotency-Key: as it settled, or
   * reconciled once it can no longer be under way elsewhere. Throws the XAssistError when
   * xAssist cannot be asked (the call stays `creating`; a later retry asks again).
   */
  async settled(callId: string): Promise<CallRecord> {
    if (this.creation.isInFlight(callId)) return this.creation.settled(callId);
    const call = await this.calls.find(callId);
    if (!call) throw new NotFoundError(`call ${callId} not found`);
    if (call.status !== 'creating') return call;
    const waited = await this.creation.settled(callId, this.dueIn(call));
    return waited.status === 'creating' ? this.reconcile(waited) : waited;
  }

  /** Adopts, admits or fails one orphaned `creating` call; one reconciliation per call at a time. */
  reconcile(call: CallRecord): Promise<CallRecord> {
    const running = this.running.get(call.id);
    if (running) return running;
    const work = this.settle(call).finally(() => this.running.delete(call.id));
    this.running.set(call.id, work);
    return work;
  }

  private later(call: CallRecord, delayMs: number): void {
    if (this.stopped || !this.role.isLeader()) return;
    this.clock.clearTimeout(this.timers.get(call.id));
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(call.id);
      this.reconcile(call).then(
        (now) => {
          this.failures.succeeded(call.id);
          if (now.status === 'creating') this.later(now, Math.max(this.dueIn(now), RETRY_MS));
        },
        (error: unknown) => {
          this.failures.failed(call.id, error);
          this.later(call, RETRY_MS);
        },
      );
    }, delayMs);
    this.timers.set(call.id, timer);
  }

  private async settle(call: CallRecord): Promise<CallRecord> {
    const current = (await this.calls.find(call.id)) ?? call;
    if (current.status !== 'creating' || this.creation.isInFlight(current.id)) return current;
    if (this.dueIn(current) > 0) return current;
    if (isInterruptedAdmission(current)) return this.admit(current);
    const connector = await this.xassist.connectorContact();
    const fingerprint = fingerprintOf(current, connector.userDbId, this.creationTimeoutMs);
    const search = await this.xassist.searchCallLogs();
    const candidates = search.logs.filter((log) => isCandidate(fingerprint, log));
    const linked = await this.calls.linkedXAssistCallIds(candidates.map((log) => log.callId));
    const match = matchCreatedCall(fingerprint, candidates, linked);
    const context = { callId: current.id, listed: search.logs.length, complete: search.complete };
    if (match.kind === 'one') {
      this.logger.info(
        { ...context, xassistCallId: match.log.callId },
        'adopted the xAssist call an interrupted creation made',
      );
      return this.creation.recordRinging(current, match.log);
    }
    if (match.kind === 'none' && current.queueId !== null) return this.putBack(current, context);
    const reason = match.kind === 'several' ? FAILURE_REASON.ambiguous : FAILURE_REASON.notCreated;
    this.logger.warn(
      { ...context, ...(match.kind === 'several' ? { xassistCallIds: match.xassistCallIds } : {}) },
      `an interrupted creation was not adopted: ${reason}`,
    );
    return this.fail(current, reason);
  }

  /**
   * Finishes the admission the stopped broker never got to: routing judges the queue's hours at
   * the call's createdAt, so it ends `closed` (nextOpensAt) or `callback_pending`, or waits
   * `queued`, as the request would have. Not before the creation deadline, as every orphan: the
   * request's own enqueue is one commit, long done by then. Of two instances finishing it at once
   * the seq guard lets one commit; the other answers the call as that one left it.
   */
  private async admit(call: CallRecord): Promise<CallRecord> {
    if (!this.admission) {
      this.logger.warn(
        { callId: call.id },
        'an interrupted admission found no routing to finish it',
      );
      return this.fail(call, FAILURE_REASON.notAdmitted);
    }
    const admitted = await this.admission.enqueue(call);
    this.logger.info(
      { callId: call.id, queueId: call.queueId, status: admitted.status },
      'finished an admission a stopped broker interrupted',
    );
    return admitted;
  }

  /**
   * A routed call xAssist never made waits again where it waited before the accept: in its queue
   * to be offered anew, or among the callbacks when an expert had taken it as one. The status
   * before comes from the call's events; with those pruned (a callback kept longer than
   * RETENTION_DAYS), one that never queued was a callback, and one that did goes back queued, past
   * its max-wait, which routing's next tick turns into a callback again.
   */
  private async putBack(call: CallRecord, context: object): Promise<CallRecord> {
    const before = await this.calls.statusBefore(call.id, 'creating');
    const wasCallback =
      before === 'callback_pending' || (before === undefined && call.queuedAt === null);
    const waiting = wasCallback ? 'callback_pending' : 'queued';
    this.logger.warn(
      { ...context, status: waiting },
      'an interrupted accept made no xAssist call; it waits again where it waited',
    );
    return this.creation.commitWhileCreating(call, (current, at) =>
      backToWaiting(current, at, waiting),
    );
  }

  /** `failed` if still `creating`; a call moved on meanwhile (a cancel) is answered as it is. */
  private async fail(call: CallRecord, reason: string): Promise<CallRecord> {
    return this.creation.commitWhileCreating(call, (current, at) => {
      const change = new CallChange(current, at);
      change.transition('failed', { failureReason: reason });
      return change;
    });
  }
}

/**
 * A routed request whose row was written but never admitted: nobody queued it and nobody accepted
 * it (an accept or a taken callback sets acceptedById with its `creating`; a request that waited
 * in its queue has its queuedAt), so no xAssist call can have been made for it.
 */
function isInterruptedAdmission(call: CallRecord): boolean {
  return (
    call.status === 'creating' &&
    call.queueId !== null &&
    call.queuedAt === null &&
    call.acceptedById === null
  );
}

/** Reasons of a creation a broker crash interrupted. */
const INTERRUPTED_REASONS: readonly string[] = [
  FAILURE_REASON.interrupted,
  FAILURE_REASON.notCreated,
  FAILURE_REASON.ambiguous,
  FAILURE_REASON.notAdmitted,
];

/**
 * 503 for a retried request whose creation a broker crash interrupted and which was not adopted:
 * the failureReason says why; the same body with a new Idempotency-Key creates the call afresh.
 */
export class CreationInterruptedError extends BrokerError {
  override name = 'CreationInterruptedError';
  readonly httpStatus = 503;
  override readonly code = SERVICE_ERROR_CODE.creationInterrupted;

  constructor(readonly call: CallRecord) {
    super(`${call.failureReason}; send the request again with a new Idempotency-Key`);
    this.details.call = toCallView(call);
  }

  static isInterrupted(call: CallRecord): boolean {
    return call.status === 'failed' && INTERRUPTED_REASONS.includes(call.failureReason ?? '');
  }
}
