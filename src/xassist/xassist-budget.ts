import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../common/clock.js';
import type { RateLimiter } from '../cluster/shared-rate-limiter.js';
import { mostUrgent, type BudgetWaiter } from './budget-order.js';
import { BudgetWatch } from './budget-watch.js';
import type { RequestClaim, RequestPriority, XAssistBudgetState } from './xassist-client.port.js';
import type { XAssistBudgetMetrics } from './xassist-metrics.js';

/**
 * The slots are paced at B * 1000 / (1000 + JITTER_MARGIN_MS) a second, 1050 / B ms apart, not
 * 1000 / B: a slot granted is sent a little later (timer lag, the answer's way back from Redis,
 * the request's way to xAssist), and not always equally later. B + 1 slots 1050 / B ms apart
 * span 1050 ms, so even with 50 ms between the least and the most delayed (48 ms: EARLY_MS
 * spends 2), no one-second window at xAssist sees more than B requests.
 */
export const JITTER_MARGIN_MS = 50;

/** The rate the limiter paces at for a budget of `perSecond` (see JITTER_MARGIN_MS). */
export function pacedRate(perSecond: number): number {
  return (perSecond * 1000) / (1000 + JITTER_MARGIN_MS);
}

/**
 * How early a slot may be taken before its time. Timers fire late (a millisecond or more) and
 * count whole milliseconds; a non-reserving slot taken late counts from when it was taken, so
 * without this the lag adds up and the budget is under-used (measured at B = 500: 316 a second
 * instead of 476). With it the dispatcher aims EARLY_MS before the slot's time and, late by up to
 * that, still takes it on time; and a budget whose slots are less than a millisecond apart gets
 * them several per tick. A slot up to EARLY_MS early costs that much of the 50 ms margin.
 */
export const EARLY_MS = 2;

/** The limiter's burst for slots `intervalMs` apart: the allowance of EARLY_MS (see above). */
export function burstOf(intervalMs: number): number {
  return 1 + EARLY_MS / intervalMs;
}

/**
 * A slot whose answer took longer than this to come back is not used when the limiter is shared
 * (RateLimiter.sharedAcrossInstances). Redis decides the slot at its own time and the request goes out when the
 * answer arrives: one that arrived late would go out later than its slot, maybe right beside
 * another instance's next one, beyond the margin. An instance alone asks for its next slot only
 * an interval after it used this one, so a late answer bunches nothing and is used.
 */
export const LATE_ANSWER_MS = 20;

/**
 * How long a free slot waits for the instance whose turn it is (Demand) before another may take
 * it: the turn-holder asks at the slot's time give or take its timer's lag and a round trip to
 * Redis; one later than this is behind a busy event loop, and the slot is better sent by another
 * than lost. Half an interval at most, for budgets whose slots are close together.
 */
export const TURN_GRACE_MS = 10;

/** The budget's key in the RateLimiter: one budget for the whole deployment. */
export const XASSIST_BUDGET_KEY = 'xassist';

/** What one attempt asks of the budget. */
export interface BudgetRequest {
  claim: RequestClaim;
  /** Whether the attempt could start at once if granted (XAssistReadOptions.attemptReady). */
  ready?: () => boolean;
  /** A retry: served like any attempt, but its wait says nothing of the poll cadence. */
  retry?: boolean;
  /** Aborted: the attempt leaves the budget unsent (XAssistReadOptions.signal). */
  signal?: AbortSignal;
}

/** The budget closed (shutdown) while the attempt waited, or before it asked: never sent. */
export class XAssistBudgetClosedError extends Error {
  override name = 'XAssistBudgetClosedError';

  constructor() {
    super('the xAssist request budget is closed (shutting down); the request was not sent');
  }
}

/** The caller abandoned the attempt (BudgetRequest.signal) while it waited, or before it asked. */
export class XAssistRequestAbandonedError extends Error {
  override name = 'XAssistRequestAbandonedError';

  constructor() {
    super('the caller no longer wanted the answer; the request left the budget unsent');
  }
}

/**
 * XASSIST_MAX_REQUESTS_PER_SECOND for every HTTP attempt to xAssist (docs/architecture.md ›
 * Following calls). An abstract class so that it doubles as the DI token.
 */
export abstract class XAssistBudget {
  /**
   * Waits for a slot, then calls `send` at once, synchronously (a caller's attempt gate takes
   * its own slot in the same moment), and answers what `send` answers. Rejects without calling
   * `send`: with XAssistBudgetClosedError once the budget is closed; with
   * XAssistRequestAbandonedError once `request.signal` aborts while it waits (it leaves the budget
   * at once, its slot goes to the next) or if it had aborted already.
   */
  abstract spend<T>(request: BudgetRequest, send: () => Promise<T>): Promise<T>;
  abstract state(): XAssistBudgetState;
  /** Refuses every waiting attempt and any later one. */
  abstract close(): void;
}

interface Waiting extends BudgetWaiter {
  /** When it came to the budget. */
  askedAt: number;
  ready: () => boolean;
  retry: boolean;
  run: () => void;
  refuse: (error: Error) => void;
}

/**
 * The budget of one process: the attempts waiting in it are granted one at a time, the most
 * urgent first (budget-order.ts), each when the shared RateLimiter has a free slot at that very
 * moment (tryTake: nothing reserved, so a grant is never bunched with the next one). Several
 * instances share one key in Redis, so the budget holds for the whole deployment. (Why a GCRA
 * of our own rather than rate-limiter-flexible or bottleneck: cluster/shared-rate-limiter.ts.)
 *
 * It asks the limiter only while a waiter could use the slot: with nobody ready it looks again
 * an interval later; after a grant it asks again an interval later (the next slot is not free
 * before); when refused, after the wait the limiter answered (a slot not yet free, or one held
 * for another instance's turn: Demand). No busy loop.
 */
export class PacedXAssistBudget extends XAssistBudget {
  private readonly waiting = new Set<Waiting>();
  private readonly rate: number;
  private readonly intervalMs: number;
  private readonly burst: number;
  private readonly watch: BudgetWatch;
  private arrivals = 0;
  private timer?: TimerHandle;
  /** Why the timer is set: `limit`, no slot before it; `ready`, nobody could use one. */
  private timerFor?: 'limit' | 'ready';
  private asking = false;
  private closed = false;
  private readonly key: string;
  private readonly instance: string;

  constructor(
    readonly perSecond: number,
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics?: XAssistBudgetMetrics,
    /** `instance`: this process's name among those sharing the key (INSTANCE_ID). */
    options: { key?: string; instance?: string } = {},
  ) {
    super();
    this.key = options.key ?? XASSIST_BUDGET_KEY;
    this.instance = options.instance ?? randomUUID();
    this.rate = pacedRate(perSecond);
    this.intervalMs = 1000 / this.rate;
    this.burst = burstOf(this.intervalMs);
    this.watch = new BudgetWatch(clock, logger, perSecond, this.intervalMs);
    metrics?.observe(() => this.state());
  }

  spend<T>(request: BudgetRequest, send: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new XAssistBudgetClosedError());
    const { claim, signal } = request;
    if (signal?.aborted) return Promise.reject(new XAssistRequestAbandonedError());
    return new Promise<T>((resolve, reject) => {
      // Listened to only while it waits: one signal may serve every poll of a call.
      const leave = () => signal?.removeEventListener('abort', abandoned);
      const waiter: Waiting = {
        priority: claim.priority,
        since: claim.since ?? this.clock.now(),
        ...(claim.slowestMs === undefined ? {} : { slowestMs: claim.slowestMs }),
        ...(claim.firstPoll ? { firstPoll: true } : {}),
        order: this.arrivals++,
        askedAt: this.clock.now(),
        ready: request.ready ?? (() => true),
        retry: request.retry ?? false,
        run: () => {
          leave();
          try {
            send().then(resolve, reject);
          } catch (error) {
            reject(error as Error);
          }
        },
        refuse: (error) => (leave(), reject(error)),
      };
      const abandoned = () => {
        this.waiting.delete(waiter);
        reject(new XAssistRequestAbandonedError());
      };
      signal?.addEventListener('abort', abandoned, { once: true });
      this.waiting.add(waiter);
      // Nobody could use a slot before: this one may.
      if (this.timerFor === 'ready') this.stopTimer();
      this.pump();
    });
  }

  state(): XAssistBudgetState {
    const waiting: Record<RequestPriority, number> = {
      create: 0,
      ringing: 0,
      connected: 0,
      background: 0,
    };
    for (const waiter of this.waiting) waiting[waiter.priority]++;
    return {
      perSecond: this.perSecond,
      stretched: this.watch.stretched,
      periodsMs: this.watch.periodsMs(),
      waiting,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    this.watch.close();
    const refused = [...this.waiting];
    this.waiting.clear();
    for (const waiter of refused) waiter.refuse(new XAssistBudgetClosedError());
  }

  private pump(): void {
    if (this.closed || this.asking || this.timer !== undefined || this.waiting.size === 0) return;
    if (this.readyWaiter() === undefined) return this.wait('ready', this.intervalMs);
    this.asking = true;
    const askedAt = this.clock.now();
    const demand = {
      instance: this.instance,
      waiting: this.waiting.size,
      // Kept until two asks from now have been missed: then this instance has nothing waiting.
      keepMs: 2 * this.intervalMs + 50,
      graceMs: Math.min(TURN_GRACE_MS, this.intervalMs / 2),
    };
    this.limiter.tryTake(this.key, this.rate, this.burst, demand).then(
      ({ waitMs }) => {
        this.answered(waitMs, this.clock.now() - askedAt);
      },
      (error: Error) => {
        // The limiters fall back rather than fail; should one fail, ask again, never send.
        this.asking = false;
        this.logger.warn(
          { err: error.message },
          'the xAssist request budget could not ask for a slot',
        );
        this.wait('limit', this.intervalMs);
      },
    );
  }

  private answered(waitMs: number, answeredInMs: number): void {
    this.asking = false;
    if (this.closed) return;
    if (waitMs > 0) return this.wait('limit', waitMs);
    // The most urgent at the moment of the grant: waiters came and readiness changed meanwhile.
    // Should nobody be ready now, or the answer be late, the slot goes unused: the budget is
    // under-used, never exceeded.
    const late = this.limiter.sharedAcrossInstances && answeredInMs > LATE_ANSWER_MS;
    const waiter = late ? undefined : this.readyWaiter();
    // The next slot is an interval away, less the allowance (set first: `send` may spend again).
    const nextMs = this.intervalMs - EARLY_MS;
    if (nextMs > 0) this.wait('limit', nextMs);
    if (waiter !== undefined) this.grant(waiter);
    // Slots less than EARLY_MS apart: the next may be free at once.
    if (nextMs <= 0) this.pump();
  }

  private grant(waiter: Waiting): void {
    this.waiting.delete(waiter);
    this.watch.granted(waiter, this.clock.now());
    this.metrics?.sent(waiter.priority);
    waiter.run();
  }

  private readyWaiter(): Waiting | undefined {
    return mostUrgent(this.waiting, this.clock.now(), (waiter) => waiter.ready());
  }

  private wait(reason: 'limit' | 'ready', delayMs: number): void {
    this.timerFor = reason;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerFor = undefined;
      this.pump();
    }, delayMs);
  }

  private stopTimer(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerFor = undefined;
  }
}
