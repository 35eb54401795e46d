import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock, type TimerHandle } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { XAssistClient } from '../xassist/xassist-client.port.js';
import { XAssistAuthError, XAssistRejectedError } from '../xassist/xassist.errors.js';
import type { CallLog } from '../xassist-contract/xassist-contract.js';
import { CallChange } from './call-change.js';
import { FOLLOWED_STATUSES, isEnded } from './call-lifecycle.js';
import { CallLedger } from './call-ledger.service.js';
import type { CallRecord } from './call.model.js';
import { applyCallLog, applyDeadline, nextPollAt } from './call-progress.js';
import { CallRepository, LeaseLostError, StaleCallError } from './call.repository.js';
import { CallLeases, type LeaseFollower } from './call-leases.js';
import { OnEvent } from '../events/on-event.js';
import type { CallCommitted } from './call-facts.js';
import { FAILURE_REASON } from './call.errors.js';
import { PollSlots, type AttemptPace } from './poll-slots.js';
import { RepeatedFailureLog } from './repeated-failure-log.js';

/** The poll-failure streak of every call while xAssist refuses the broker's login. */
const LOGIN_REFUSED = 'all calls: xAssist login refused';

interface Followed {
  /** The call as last committed; kept current from the update bus, so a poll reads no database. */
  call: CallRecord;
  timer?: TimerHandle;
  /** When the current tick was due: the next one is due one interval later (fixed rate, no drift). */
  dueAt: number;
  /** xAssist event ids already taken in; loaded once, then kept in step with each commit. */
  seen?: Set<string>;
  /** A poll (with its retries) is under way: ticks meanwhile check deadlines but do not poll. */
  polling: boolean;
  /** Its attempts failed, hung or were slow: they may not take reserved slots (see PollSlots). */
  pace: AttemptPace;
  /** getCallLogById answered 404 this many times in a row. */
  notFound: number;
}

type PollOutcome = { log: CallLog } | { notFound: true } | { failed: true };

/**
 * Follows the unfinished calls whose lease this instance holds (CallLeases) on xAssist by polling
 * getCallLogById at a fixed rate: faster while ringing, with deadlines for unanswered and missed.
 * One poll per call at a time (a tick that finds the previous poll still running skips it); each
 * HTTP attempt takes one of the global poll slots. Its commits are fenced by the lease.
 */
@Injectable()
export class CallTracker implements OnApplicationBootstrap, OnApplicationShutdown, LeaseFollower {
  private readonly followed = new Map<string, Followed>();
  private readonly slots: PollSlots;
  private readonly work = new Set<Promise<void>>();
  private readonly logger: Logger;
  private readonly pollFailures: RepeatedFailureLog;
  private readonly commitFailures: RepeatedFailureLog;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly calls: CallRepository,
    private readonly ledger: CallLedger,
    private readonly xassist: XAssistClient,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    private readonly leases: CallLeases,
  ) {
    this.slots = new PollSlots(config.polling.maxConcurrent, config.polling.slowAttemptMs, clock);
    this.logger = logger.child({ component: 'call-tracker' });
    this.pollFailures = new RepeatedFailureLog(this.logger, 'warn', 'polling xAssist failed');
    this.commitFailures = new RepeatedFailureLog(this.logger, 'error', 'recording a poll failed');
  }

  /**
   * Every committed change on this instance passes here: new calls of ours to follow, and changes
   * made by others (a cancel over REST) reach the cached call before its next poll.
   */
  @OnEvent('call.committed', 'after-commit')
  committed({ call }: CallCommitted): void {
    this.apply(call);
  }

  /** A change committed on another instance: reloaded, then taken as if committed here. */
  async changedElsewhere(callId: string, seq: number): Promise<void> {
    const entry = this.followed.get(callId);
    if (this.stopped || (entry ? entry.call.seq >= seq : !this.leases.holds(callId))) return;
    await this.reload(callId);
  }

  /** After each lease heartbeat: drop the calls lost, follow the ones held that became ours. */
  async leasesChanged(held: ReadonlySet<string>, lost: readonly string[]): Promise<void> {
    for (const id of lost) this.unfollow(id);
    const unfollowed = [...held].filter((id) => !this.followed.has(id));
    if (this.stopped || unfollowed.length === 0) return;
    const found = await this.calls.findMany(unfollowed);
    for (const call of found) if (this.leases.holds(call.id)) this.follow(call);
  }

  /**
   * Takes this instance's share of the unfinished calls (all of them when alone). Calls left in
   * `creating` are the CreationReconciler's: one it adopts is followed once it rings.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.leases.start(this);
    if (this.followed.size > 0)
      this.logger.info({ calls: this.followed.size }, 'following the unfinished calls leased here');
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.slots.close(); // polls under way stop at their next attempt instead of retrying
    for (const id of [...this.followed.keys()]) this.unfollow(id);
    await this.idle();
    await this.leases.stop(); // handed back at once: the others take them at their next heartbeat
  }

  get followedCount(): number {
    return this.followed.size;
  }

  /** Resolves once no poll or commit is under way (tests use it with a fake clock). */
  async idle(): Promise<void> {
    await this.leases.idle();
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  follow(call: CallRecord): void {
    if (this.stopped || !FOLLOWED_STATUSES.includes(call.status) || this.followed.has(call.id))
      return;
    const entry: Followed = {
      call,
      dueAt: this.clock.now(),
      polling: false,
      pace: { slow: false },
      notFound: 0,
    };
    this.followed.set(call.id, entry);
    this.metrics.followedCalls.set(this.followed.size);
    this.schedule(entry);
  }

  unfollow(callId: string): void {
    const entry = this.followed.get(callId);
    if (!entry) return;
    this.clock.clearTimeout(entry.timer);
    this.followed.delete(callId);
    this.pollFailures.forget(callId);
    this.commitFailures.forget(callId);
    this.metrics.followedCalls.set(this.followed.size);
  }

  /** The call as committed (here or, `reloaded`, elsewhere) replaces an older cached one. */
  private apply(call: CallRecord, reloaded = false): void {
    if (this.stopped) return;
    const entry = this.followed.get(call.id);
    if (!entry) {
      if (this.leases.holds(call.id)) this.follow(call);
      return;
    }
    if (entry.call.seq >= call.seq) return;
    entry.call = call;
    if (reloaded) entry.seen = undefined; // the other writer may have taken in xAssist events
    if (!FOLLOWED_STATUSES.includes(call.status)) this.unfollow(call.id);
  }

  /** Another writer changed the call: start again from what the database holds. */
  private reload(callId: string): Promise<void> {
    const done = this.calls
      .find(callId)
      .then((fresh) => fresh && this.apply(fresh, true))
      .catch((error: unknown) =>
        this.logger.warn({ err: error, callId }, 'reloading a call failed'),
      )
      .finally(() => this.work.delete(done));
    this.work.add(done);
    return done;
  }

  private isFollowed(entry: Followed): boolean {
    return !this.stopped && this.followed.get(entry.call.id) === entry;
  }

  private schedule(entry: Followed): void {
    if (!this.isFollowed(entry)) return;
    this.clock.clearTimeout(entry.timer);
    const now = this.clock.now();
    entry.dueAt = nextPollAt(entry.call, entry.dueAt, now, this.config);
    entry.timer = this.clock.setTimeout(() => this.tick(entry), entry.dueAt - now);
  }

  /** Fixed rate: the next tick is set before this one's work, so a slow poll stretches nothing. */
  private tick(entry: Followed): void {
    if (!this.isFollowed(entry)) return;
    this.schedule(entry);
    if (entry.polling) {
      this.metrics.polls.inc({ outcome: 'skipped' });
      this.track(entry, () => this.commitDeadline(entry));
    } else {
      entry.polling = true;
      this.track(entry, () => this.pollAndCommit(entry)).finally(() => (entry.polling = false));
    }
  }

  private track(entry: Followed, job: () => Promise<void>): Promise<void> {
    const done = job()
      .catch((error) => this.afterFailedCommit(entry, error))
      .finally(() => {
        this.work.delete(done);
        if (!FOLLOWED_STATUSES.includes(entry.call.status)) this.unfollow(entry.call.id);
      });
    this.work.add(done);
    return done;
  }

  private async afterFailedCommit(entry: Followed, error: unknown): Promise<void> {
    const callId = entry.call.id;
    if (error instanceof StaleCallError) return this.reload(callId); // someone else wrote first
    if (!(error instanceof LeaseLostError)) return this.commitFailures.failed(callId, error);
    this.metrics.callCommitsFenced.inc(); // paused past the lease, or handed over meanwhile
    this.logger.warn({ callId, err: error.message }, 'lost the lease of a call');
    this.unfollow(callId);
  }

  /** One poll: ask xAssist, apply events, a vanished call and deadlines, commit. */
  private async pollAndCommit(entry: Followed): Promise<void> {
    const call = entry.call;
    if (!call.xassistCallId) return;
    entry.seen ??= await this.calls.seenXAssistEventIds(call.id);
    const outcome = await this.poll(entry, call.xassistCallId);
    if (entry.call !== call || !this.isFollowed(entry)) return; // changed meanwhile: next tick
    const change = new CallChange(call, this.clock.isoNow());
    if ('log' in outcome) applyCallLog(change, outcome.log, entry.seen);
    this.applyVanished(change, entry);
    applyDeadline(change, this.clock.now(), this.config.timeouts);
    try {
      await this.record(entry, change);
    } catch (error) {
      if (error instanceof StaleCallError || error instanceof LeaseLostError) throw error;
      this.commitFailures.failed(call.id, error);
      // The events would not go in; what the clock or xAssist's silence decides must not wait.
      const statusOnly = new CallChange(call, change.at);
      this.applyVanished(statusOnly, entry);
      applyDeadline(statusOnly, this.clock.now(), this.config.timeouts);
      await this.record(entry, statusOnly);
      return;
    }
    for (const id of change.seenXAssistEventIds) entry.seen.add(id);
    this.commitFailures.succeeded(call.id);
  }

  /** A tick while the poll is still under way: the deadline alone, if it has come. */
  private async commitDeadline(entry: Followed): Promise<void> {
    const change = new CallChange(entry.call, this.clock.isoNow());
    applyDeadline(change, this.clock.now(), this.config.timeouts);
    await this.record(entry, change);
  }

  private async record(entry: Followed, change: CallChange): Promise<void> {
    await this.ledger.record(change, this.leases.fence(change.call.id));
    if (entry.call.seq < change.call.seq) entry.call = change.call;
  }

  /** After enough 404s in a row xAssist has forgotten the call: it can only be `failed`. */
  private applyVanished(change: CallChange, entry: Followed): void {
    const limit = this.config.polling.notFoundPollsToFail;
    if (entry.notFound < limit || isEnded(change.call.status)) return;
    change.transition('failed', {
      failureReason: `${FAILURE_REASON.vanished}: getCallLogById answered 404 ${entry.notFound} times in a row`,
    });
  }

  /** A failed poll is logged (once per streak) and counted; the next tick polls again. */
  private async poll(entry: Followed, xassistCallId: string): Promise<PollOutcome> {
    const callId = entry.call.id;
    const stopTimer = this.metrics.pollDuration.startTimer();
    try {
      const log = await this.xassist.getCallLogById(xassistCallId, {
        attemptGate: (attempt) => this.slots.run(entry.pace, attempt),
      });
      this.metrics.polls.inc({ outcome: 'ok' });
      this.pollFailures.succeeded(callId);
      this.pollFailures.succeeded(LOGIN_REFUSED);
      entry.notFound = 0;
      return { log };
    } catch (error) {
      if (this.stopped) return { failed: true };
      this.metrics.polls.inc({ outcome: 'failed' });
      // A refused login fails every followed call alike: one streak for all, not one per call.
      if (error instanceof XAssistAuthError)
        this.pollFailures.failed(LOGIN_REFUSED, error, LOGIN_REFUSED);
      else this.pollFailures.failed(callId, error);
      if (error instanceof XAssistRejectedError && error.status === 404) {
        entry.notFound++;
        return { notFound: true };
      }
      return { failed: true };
    } finally {
      stopTimer();
    }
  }
}
