import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { XAssistClient } from '../xassist/xassist-client.port.js';
import { CallChange } from './call-change.js';
import { FOLLOWED_STATUSES } from './call-lifecycle.js';
import { CallLedger } from './call-ledger.service.js';
import type { CallRecord } from './call.model.js';
import { applyCallLog, applyDeadline, applyVanished } from './call-progress.js';
import { CallRepository, LeaseLostError, StaleCallError } from './call.repository.js';
import { CallLeases, type LeaseFollower } from './call-leases.js';
import { OnEvent } from '../events/on-event.js';
import type { CallCommitted } from './call-facts.js';
import { CallPoller, type PollRequest } from './call-poller.js';
import { PollSlots, type AttemptPace } from './poll-slots.js';
import { PollSchedule } from './poll-schedule.js';
import { RepeatedFailureLog } from './repeated-failure-log.js';

interface Followed {
  /** The call as last committed; kept current from the update bus, so a poll reads no database. */
  call: CallRecord;
  /** When it is polled next, and its deadline timer. */
  schedule: PollSchedule;
  /** xAssist event ids already taken in; loaded once, then kept in step with each commit. */
  seen?: Set<string>;
  /** Its attempts failed, hung or were slow: they may not take reserved slots (see PollSlots). */
  pace: AttemptPace;
  /** getCallLogById answered 404 this many times in a row. */
  notFound: number;
  /** Aborted when it is unfollowed: a poll of it waiting for the budget leaves unsent. */
  followedHere: AbortController;
}

/**
 * Follows the unfinished calls whose lease this instance holds (CallLeases) on xAssist by polling
 * getCallLogById. A new call is polled at once; then a call is due POLL_INTERVAL_MIN_MS after its
 * previous poll started while ringing, POLL_INTERVAL_CONNECTED_MS afterwards (PollSchedule). A due
 * poll claims its turn of the request budget, which decides when it goes out (ringing before
 * connected, the call polled longest ago first); waiting there is no failure. One poll per call
 * at a time; each HTTP attempt takes one of the global poll slots, and the budget grants a poll
 * only while it can take one at once. Deadlines (unanswered, missed) have timers of their own and
 * are committed on time while a poll waits or runs. Commits are fenced by the lease.
 */
@Injectable()
export class CallTracker implements OnApplicationBootstrap, OnApplicationShutdown, LeaseFollower {
  private readonly followed = new Map<string, Followed>();
  private readonly slots: PollSlots;
  private readonly work = new Set<Promise<void>>();
  /** Polls in `work` not yet granted by the request budget: idle() does not wait for them. */
  private readonly waitingForBudget = new Set<Promise<void>>();
  private readonly logger: Logger;
  private readonly poller: CallPoller;
  private readonly commitFailures: RepeatedFailureLog;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly calls: CallRepository,
    private readonly ledger: CallLedger,
    xassist: XAssistClient,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    private readonly leases: CallLeases,
  ) {
    this.slots = new PollSlots(config.polling.maxConcurrent, config.polling.slowAttemptMs, clock);
    this.logger = logger.child({ component: 'call-tracker' });
    this.poller = new CallPoller(xassist, this.slots, metrics, this.logger);
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

  /**
   * Resolves once no poll or commit is under way (tests use it with a fake clock). A poll still
   * waiting for its first grant of the request budget is not under way: nothing was sent yet.
   */
  async idle(): Promise<void> {
    await this.leases.idle();
    for (;;) {
      const busy = [...this.work].filter((job) => !this.waitingForBudget.has(job));
      if (busy.length === 0) return;
      await Promise.allSettled(busy);
    }
  }

  follow(call: CallRecord): void {
    if (this.stopped || !FOLLOWED_STATUSES.includes(call.status) || this.followed.has(call.id))
      return;
    const followedHere = new AbortController();
    const entry = { call, pace: { slow: false }, notFound: 0, followedHere } as Followed;
    entry.schedule = new PollSchedule(this.clock, this.config, () => entry.call, {
      pollDue: () => this.startPoll(entry),
      pollSkipped: () => this.metrics.polls.inc({ outcome: 'skipped' }),
      deadlineDue: () => this.deadlineDue(entry),
    });
    this.followed.set(call.id, entry);
    this.metrics.followedCalls.set(this.followed.size);
    this.startPoll(entry); // the glasses wait on it: no period goes by first
  }

  unfollow(callId: string): void {
    const entry = this.followed.get(callId);
    if (!entry) return;
    entry.schedule.stop();
    this.followed.delete(callId);
    entry.followedHere.abort(); // a slot spent on it now would be wasted (or the new holder's)
    this.poller.forget(callId);
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
    entry.schedule.callChanged();
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

  /** Asks xAssist about the call now, claiming its turn of the request budget. */
  private startPoll(entry: Followed): void {
    const { id: callId, xassistCallId } = entry.call;
    if (!this.isFollowed(entry) || !xassistCallId || entry.schedule.pollUnderWay) return;
    const run: { done?: Promise<void>; waiting: boolean } = { waiting: true };
    const sent = () => {
      run.waiting = false;
      if (run.done) this.waitingForBudget.delete(run.done);
    };
    const request: PollRequest = {
      callId,
      xassistCallId,
      claim: entry.schedule.begin(),
      state: entry,
      started: () => (sent(), entry.schedule.started()),
      abandoned: () => !this.isFollowed(entry),
      signal: entry.followedHere.signal,
    };
    run.done = this.track(entry, () =>
      this.pollAndCommit(entry, request, sent).finally(() => entry.schedule.ended()),
    );
    if (run.waiting) this.waitingForBudget.add(run.done);
  }

  /** The deadline came: committed now, whether or not a poll waits or runs. */
  private deadlineDue(entry: Followed): void {
    if (!this.isFollowed(entry)) return;
    void this.track(entry, () => this.commitDeadline(entry)).finally(() =>
      entry.schedule.deadlineHandled(),
    );
  }

  private track(entry: Followed, job: () => Promise<void>): Promise<void> {
    const done = job()
      .catch((error) => this.afterFailedCommit(entry, error))
      .finally(() => {
        this.work.delete(done);
        this.waitingForBudget.delete(done);
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
  private async pollAndCommit(
    entry: Followed,
    request: PollRequest,
    answered: () => void,
  ): Promise<void> {
    const call = entry.call;
    const outcome = await this.poller.poll(request);
    answered(); // what follows is under way, whether or not an attempt was granted
    const changed = () => entry.call !== call || !this.isFollowed(entry); // then: the next poll
    if (changed()) return;
    entry.seen ??= await this.calls.seenXAssistEventIds(call.id);
    if (changed()) return;
    const change = new CallChange(call, this.clock.isoNow());
    if ('log' in outcome) applyCallLog(change, outcome.log, entry.seen);
    applyVanished(change, entry.notFound, this.config.polling.notFoundPollsToFail);
    applyDeadline(change, this.clock.now(), this.config.timeouts);
    try {
      await this.record(entry, change);
    } catch (error) {
      if (error instanceof StaleCallError || error instanceof LeaseLostError) throw error;
      this.commitFailures.failed(call.id, error);
      // The events would not go in; what the clock or xAssist's silence decides must not wait.
      const statusOnly = new CallChange(call, change.at);
      applyVanished(statusOnly, entry.notFound, this.config.polling.notFoundPollsToFail);
      applyDeadline(statusOnly, this.clock.now(), this.config.timeouts);
      await this.record(entry, statusOnly);
      return;
    }
    for (const id of change.seenXAssistEventIds) entry.seen.add(id);
    this.commitFailures.succeeded(call.id);
  }

  /** The deadline alone, if it has come. */
  private async commitDeadline(entry: Followed): Promise<void> {
    const change = new CallChange(entry.call, this.clock.isoNow());
    applyDeadline(change, this.clock.now(), this.config.timeouts);
    await this.record(entry, change);
  }

  private async record(entry: Followed, change: CallChange): Promise<void> {
    await this.ledger.record(change, this.leases.fence(change.call.id));
    if (entry.call.seq >= change.call.seq) return;
    entry.call = change.call;
    entry.schedule.callChanged();
  }
}
