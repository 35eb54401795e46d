import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { MemoryRateLimiter, RateLimiter } from '../cluster/shared-rate-limiter.js';
import { Clock, type TimerHandle } from '../common/clock.js';
import { logRoundFailure } from '../common/error-answer.js';
import { ClusterSignals, NoOtherInstances } from '../cluster/cluster-signals.js';
import { CoalescedSignal } from '../cluster/coalesced-signal.js';
import { APP_CONFIG, type AppConfig, type OutboxConfig } from '../config/app-config.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { OutboxStore } from './kysely-outbox.store.js';
import { OutboxMetrics } from './outbox-metrics.js';
import type { AttemptOutcome, Delivery } from './outbox.model.js';
import { OutboxSenders } from './outbox-sender.js';
import { OutboxSettlement } from './outbox-settlement.js';
import { DestinationCircuits } from './destination-circuits.js';
import { DestinationSlots } from './destination-slots.js';

declare module '../cluster/cluster-signals.js' {
  interface ClusterSignalMap {
    /** Rows were committed on another instance: every dispatcher looks now (SKIP LOCKED shares them). */
    'outbox.wake': Record<string, never>;
  }
}

/** At most one `outbox.wake` signal this often: a burst of commits is one wake-up elsewhere. */
const SIGNAL_EVERY_MS = 50;

/** Attempts in flight at once (and claimed rows waiting for their destination), all destinations together. */
const IN_FLIGHT = 32;

/** Open circuits a claim names; rows of any others are claimed and given back until their trial. */
const OPEN_SKIPPED = 100;

/**
 * Delivers the outbox at least once: claims due rows under a lease, sends each destination's in
 * seq order at its rate through the sender of its kind (`@OutboxSenderOf`), and records every
 * outcome on the row (OutboxSettlement: retry on the kind's schedule, dead after the last attempt
 * or past the row's deadline or time to live). Timers run on the injected Clock; whoever commits
 * rows calls wake() (else the next poll finds them).
 *
 * Each destination's sends are spaced by WEBHOOK_RATE_PER_SECOND through the RateLimiter, one
 * limit per destination across instances with REDIS_URL (docs/scaling.md).
 *
 * Destinations are kept apart: each has at most WEBHOOK_CONCURRENCY_PER_DESTINATION attempts in
 * flight and a circuit (DestinationCircuits), and claims go on while attempts are under way (a
 * freed slot claims again), so a receiver that never answers holds only its own slots.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly settings: OutboxConfig;
  private readonly settlement: OutboxSettlement;
  private readonly pacer: RateLimiter;
  private readonly circuits: DestinationCircuits;
  private readonly pauses = new Set<() => void>();
  private readonly slots = new DestinationSlots();
  /** Attempts (and releases) under way: stop() waits for them. */
  private readonly attempts = new Set<Promise<void>>();
  private timer?: TimerHandle;
  private round?: Promise<void>;
  private again = false;
  private stopped = true;
  private idleWaiters: Array<() => void> = [];
  /** Tells the other instances' dispatchers, whose slots may be the free ones. */
  private readonly wakeOthers: CoalescedSignal<'outbox.wake'>;

  constructor(
    private readonly store: OutboxStore,
    private readonly clock: Clock,
    metrics: OutboxMetrics,
    private readonly senders: OutboxSenders,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    /** Unset (a dispatcher built by hand): this process's own limiter. */
    @Optional() pacer?: RateLimiter,
    /** Unset (a dispatcher built by hand): nobody else to wake. */
    @Optional() signals?: ClusterSignals,
  ) {
    this.settings = config.outbox;
    this.settlement = new OutboxSettlement(store, metrics, logger);
    this.pacer = pacer ?? new MemoryRateLimiter(clock);
    signals ??= new NoOtherInstances();
    this.wakeOthers = new CoalescedSignal(signals, clock, 'outbox.wake', {}, SIGNAL_EVERY_MS);
    this.circuits = new DestinationCircuits(
      this.settings.circuitFailures,
      this.settings.circuitOpenMs,
    );
    signals.subscribe('outbox.wake', () => this.wakeHere());
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops claiming; rows already claimed but not yet sent are given back. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.wakeOthers.cancel();
    for (const resume of this.pauses) resume();
    await this.round;
    for (const { row, token } of this.slots.takeWaiting())
      this.track(this.store.release(row.id, token, row.nextAttemptAt));
    while (this.attempts.size > 0) await Promise.all(this.attempts);
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /**
   * Rows were committed here: look now rather than at the next poll, and tell the other
   * instances (coalesced), whose dispatchers may be the ones with free slots.
   */
  wake(): void {
    this.wakeHere();
    if (!this.stopped) this.wakeOthers.tell();
  }

  /** Something was committed (here or elsewhere) or a slot freed: look now. */
  private wakeHere(): void {
    if (this.stopped) return;
    if (this.round) {
      this.again = true;
      return;
    }
    this.clock.clearTimeout(this.timer);
    this.schedule(0);
  }

  /**
   * Resolves once a round begun after this call found no row due and no attempt under way: what
   * was committed before has been tried (rows set for a later retry wait). Tests wait on it.
   */
  idle(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.wakeHere();
    });
  }

  private schedule(delayMs: number): void {
    this.timer = this.clock.setTimeout(() => this.startRound(), delayMs);
  }

  private startRound(): void {
    this.timer = undefined;
    this.again = false;
    const waiters = this.idleWaiters.splice(0);
    this.round = this.claimMore()
      .catch((error: unknown) => {
        logRoundFailure(
          this.logger,
          error,
          {},
          'outbox round failed; trying again at the next poll',
        );
        return 0;
      })
      .then((claimed) => {
        this.round = undefined;
        const quiet = claimed === 0 && this.attempts.size === 0 && this.slots.waitingCount === 0;
        if (quiet || this.stopped) for (const resolve of waiters) resolve();
        else this.idleWaiters.push(...waiters);
        if (!this.stopped)
          this.schedule(claimed > 0 || this.again ? 0 : this.settings.pollIntervalMs);
      });
  }

  /** Claims for the free slots, leaving out destinations that already have all theirs. */
  private async claimMore(): Promise<number> {
    const free = IN_FLIGHT - this.attempts.size - this.slots.waitingCount;
    if (free <= 0) return 0;
    const now = this.clock.now();
    const token = randomUUID();
    const rows = await this.store.claim(
      new Date(now).toISOString(),
      new Date(now + this.settings.leaseMs).toISOString(),
      Math.min(this.settings.batchSize, free),
      token,
      { perDestination: this.settings.concurrencyPerDestination, skip: this.busy(now) },
    );
    // A claim holds at most one row per call and destination (see OutboxStore.claim), so the
    // rows may go side by side; the pacer still spaces each destination's.
    for (const row of rows) this.slots.add({ row, token });
    for (const destinationId of new Set(rows.map((row) => row.destinationId)))
      this.startWaiting(destinationId);
    return rows.length;
  }

  /**
   * Destinations a claim leaves out: those with as many rows running or waiting as they may have
   * in flight, and (up to OPEN_SKIPPED) those whose circuit is open, so that rows a new call
   * change owes them are not claimed only to be given back.
   */
  private busy(now: number): string[] {
    const full = this.slots.full((id) => this.allowance(id, now));
    return [...new Set([...full, ...this.circuits.open(now, OPEN_SKIPPED)])];
  }

  private allowance(destinationId: string, now: number): number {
    return this.circuits.allowance(destinationId, now, this.settings.concurrencyPerDestination);
  }

  /** Starts a destination's waiting rows up to its allowance; an open circuit gives them back. */
  private startWaiting(destinationId: string): void {
    const now = this.clock.now();
    const openUntil = this.circuits.openUntil(destinationId, now);
    if (this.stopped || openUntil !== undefined) {
      const at = openUntil === undefined ? undefined : new Date(openUntil).toISOString();
      for (const { row, token } of this.slots.takeWaiting(destinationId))
        this.track(this.store.release(row.id, token, at ?? row.nextAttemptAt));
      return;
    }
    for (const { row, token } of this.slots.startable(
      destinationId,
      this.allowance(destinationId, now),
    )) {
      this.track(
        this.attempt(row, token).finally(() => {
          this.slots.finished(destinationId);
          this.startWaiting(destinationId);
          this.wakeHere();
        }),
      );
    }
  }

  /** Keeps a promise for stop() to wait for; its failure is logged, never thrown. */
  private track(work: Promise<unknown>): void {
    const tracked: Promise<void> = work
      .then(() => undefined)
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'outbox attempt failed; the lease will lapse');
      })
      .finally(() => this.attempts.delete(tracked));
    this.attempts.add(tracked);
  }

  private async attempt(row: Delivery, token: string): Promise<void> {
    const sender = this.senders.get(row.destinationKind);
    const startedAt = this.clock.now();
    if (sender && (await this.settlement.expireIfDue(row, token, sender, startedAt))) return;
    let outcome: AttemptOutcome;
    try {
      outcome = sender
        ? await sender.deliver(row, () => this.paced(row.destinationId))
        : { status: 'failed', reason: `no sender for ${row.destinationKind}` };
    } catch (error) {
      outcome = { status: 'retry', afterMs: 0, reason: (error as Error).message };
    }
    await this.settlement.record(row, token, outcome, sender, { startedAt, now: this.clock.now() });
    await this.updateCircuit(row.destinationId, outcome);
  }

  /**
   * No answer, refused, or an error status without Retry-After counts against the destination's
   * circuit; any other outcome is an answer and closes it. When this failure opens the circuit,
   * the destination's pending rows wait until its trial, on every instance.
   */
  private async updateCircuit(destinationId: string, outcome: AttemptOutcome): Promise<void> {
    if (outcome.status !== 'retry' || outcome.afterMs > 0) {
      this.circuits.succeeded(destinationId);
      return;
    }
    const now = this.clock.now();
    const openUntil = this.circuits.failed(destinationId, now);
    if (openUntil === undefined) return;
    const until = new Date(openUntil).toISOString();
    this.logger.warn({ destinationId, until }, 'outbox destination keeps failing: circuit open');
    await this.store.defer(destinationId, until, new Date(now).toISOString());
  }

  /**
   * Returns when the destination's slot is free at this very moment (tryTake), after waiting as
   * often as the limiter says. Not a slot reserved ahead (take): a wait that ends late behind a
   * busy event loop would send it right beside the next slot's request, two within 1/rate.
   */
  private async paced(destinationId: string): Promise<void> {
    const key = `outbox:${destinationId}`;
    for (;;) {
      const { waitMs } = await this.pacer.tryTake(key, this.settings.ratePerSecond);
      if (waitMs === 0 || this.stopped) return;
      await this.pause(waitMs);
    }
  }

  /** A wait on the Clock that stop() cuts short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const resume = () => {
        this.pauses.delete(resume);
        this.clock.clearTimeout(handle);
        resolve();
      };
      const handle = this.clock.setTimeout(resume, ms);
      this.pauses.add(resume);
    });
  }
}
