import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Semaphore } from '../common/semaphore.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { XAssistClient } from '../xassist/xassist-client.port.js';
import type { CallLog } from '../xassist-contract/xassist-contract.js';
import { CallChange } from './call-change.js';
import { FOLLOWED_STATUSES } from './call-lifecycle.js';
import { CallLedger } from './call-ledger.service.js';
import type { CallRecord } from './call.model.js';
import { applyCallLog, applyDeadline, deadlineOf } from './call-progress.js';
import { CallRepository, StaleCallError } from './call.repository.js';
import { CallUpdatesBus } from './call-updates.bus.js';
import { FAILURE_PREFIX } from './call.errors.js';

interface Followed {
  /** The call as last committed; kept current from the update bus, so a poll reads no database. */
  call: CallRecord;
  timer?: NodeJS.Timeout;
  /** When the current poll was due: the next one is due one interval later (fixed rate, no drift). */
  dueAt: number;
  /** xAssist event ids already taken in; loaded once, then kept in step with each commit. */
  seen?: Set<string>;
}

/**
 * Follows every unfinished call on xAssist by polling getCallLogById: one poll in flight per call,
 * a global cap on concurrent polls, faster while ringing, and deadlines for unanswered and missed.
 */
@Injectable()
export class CallTracker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly followed = new Map<string, Followed>();
  private readonly slots: Semaphore;
  private readonly ticks = new Set<Promise<void>>();
  private readonly logger: Logger;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly calls: CallRepository,
    private readonly ledger: CallLedger,
    private readonly xassist: XAssistClient,
    private readonly metrics: MetricsService,
    bus: CallUpdatesBus,
  ) {
    this.slots = new Semaphore(config.polling.maxConcurrent);
    this.logger = logger.child({ component: 'call-tracker' });
    // Changes made elsewhere (a cancel over REST) reach the cached call before its next poll.
    this.unsubscribe = bus.subscribe(({ call }) => {
      const entry = this.followed.get(call.id);
      if (!entry || entry.call.seq >= call.seq) return;
      entry.call = call;
      if (!FOLLOWED_STATUSES.includes(call.status)) this.unfollow(call.id);
    });
  }

  /** Resumes every unfinished call after a restart. */
  async onApplicationBootstrap(): Promise<void> {
    await this.failInterruptedCreations();
    const unfinished = await this.calls.withStatus(FOLLOWED_STATUSES);
    for (const call of unfinished) this.follow(call);
    if (unfinished.length > 0)
      this.logger.info({ calls: unfinished.length }, 'resumed following unfinished calls');
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    for (const id of [...this.followed.keys()]) this.unfollow(id);
    await Promise.allSettled([...this.ticks]);
  }

  get followedCount(): number {
    return this.followed.size;
  }

  follow(call: CallRecord): void {
    if (this.stopped || !FOLLOWED_STATUSES.includes(call.status) || this.followed.has(call.id))
      return;
    const entry: Followed = { call, dueAt: Date.now() };
    this.followed.set(call.id, entry);
    this.metrics.followedCalls.set(this.followed.size);
    this.schedule(entry);
  }

  unfollow(callId: string): void {
    const entry = this.followed.get(callId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.followed.delete(callId);
    this.metrics.followedCalls.set(this.followed.size);
  }

  private schedule(entry: Followed): void {
    if (this.stopped || this.followed.get(entry.call.id) !== entry) return;
    const { ringingMs, connectedMs } = this.config.polling;
    const now = Date.now();
    const interval = entry.call.status === 'ringing' ? ringingMs : connectedMs;
    // Fixed rate: a poll's own duration does not stretch the period (a late one is not made up).
    let dueAt = Math.max(now, entry.dueAt + interval);
    const deadline = deadlineOf(entry.call, this.config.timeouts);
    if (deadline !== null) dueAt = Math.min(dueAt, Math.max(now, deadline));
    entry.dueAt = dueAt;
    entry.timer = setTimeout(() => {
      const tick = this.tick(entry).finally(() => this.ticks.delete(tick));
      this.ticks.add(tick);
    }, dueAt - now);
  }

  private async tick(entry: Followed): Promise<void> {
    const callId = entry.call.id;
    try {
      await this.slots.run(() => this.pollOnce(entry));
    } catch (error) {
      if (error instanceof StaleCallError) {
        // Someone else wrote first: start again from what the database holds.
        const fresh = await this.calls.find(callId).catch(() => undefined);
        if (fresh) entry.call = fresh;
        entry.seen = undefined; // the other writer may have taken in xAssist events too
      } else {
        this.logger.error({ err: error, callId }, 'following a call failed');
      }
    }
    if (!FOLLOWED_STATUSES.includes(entry.call.status)) this.unfollow(callId);
    else this.schedule(entry);
  }

  /** One poll: ask xAssist, apply events and deadlines, commit. */
  private async pollOnce(entry: Followed): Promise<void> {
    const call = entry.call;
    if (this.stopped || !FOLLOWED_STATUSES.includes(call.status) || !call.xassistCallId) return;
    entry.seen ??= await this.calls.seenXAssistEventIds(call.id);

    const log = await this.poll(call.xassistCallId, call.id);
    if (entry.call !== call) return; // changed while we were asking (a cancel): next tick decides
    const change = new CallChange(call, new Date().toISOString());
    if (log) applyCallLog(change, log, entry.seen);
    applyDeadline(change, Date.now(), this.config.timeouts);
    await this.ledger.record(change);
    for (const id of change.seenXAssistEventIds) entry.seen.add(id);
    if (entry.call.seq < change.call.seq) entry.call = change.call;
  }

  /** A failed poll is logged and counted; the call is polled again at its next tick. */
  private async poll(xassistCallId: string, callId: string): Promise<CallLog | undefined> {
    const stopTimer = this.metrics.pollDuration.startTimer();
    try {
      const log = await this.xassist.getCallLogById(xassistCallId);
      this.metrics.polls.inc({ outcome: 'ok' });
      return log;
    } catch (error) {
      this.metrics.polls.inc({ outcome: 'failed' });
      this.logger.warn(
        { callId, error: (error as Error).message },
        'polling xAssist failed; will try again',
      );
      return undefined;
    } finally {
      stopTimer();
    }
  }

  /** A call still `creating` at start-up lost its answer from xAssist in a crash. */
  private async failInterruptedCreations(): Promise<void> {
    for (const call of await this.calls.withStatus(['creating'])) {
      const change = new CallChange(call, new Date().toISOString());
      change.transition('failed', { failureReason: FAILURE_PREFIX.interrupted });
      await this.ledger.record(change).catch(() => undefined);
    }
  }
}
