import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CallUpdatesBus } from '../calls/call-updates.bus.js';
import { Clock, type TimerHandle } from '../common/clock.js';
import { logRoundFailure } from '../common/error-answer.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { WebhookConfig } from '../config/webhook-config.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { OutboxStore } from './kysely-outbox.store.js';
import { OutboxMetrics } from './outbox-metrics.js';
import type { AttemptOutcome, Delivery } from './outbox.model.js';
import { DestinationPacer, retryDelayMs } from './retry-schedule.js';

/** Attempts in flight at once, all destinations together. */
const IN_FLIGHT = 16;

/** Delivers one kind of destination's rows; never throws for what the destination did. */
export interface OutboxSender {
  /**
   * Calls `paced` right before the request leaves (after its own lookups), so the spacing the
   * rate limit makes is the spacing the receiver sees.
   */
  deliver(delivery: Delivery, paced: () => Promise<void>): Promise<AttemptOutcome>;
  /** The destination answered 410 Gone: stop sending it anything. */
  gone(destinationId: string, reason: string): Promise<void>;
}

/**
 * Delivers the outbox at least once: claims due rows under a lease, sends each destination's in
 * seq order at its rate, and records every outcome on the row (retry with backoff, dead letter
 * after the last attempt). Timers run on the injected Clock; a committed call change wakes it.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly senders = new Map<string, OutboxSender>();
  private readonly settings: WebhookConfig;
  private readonly pacer: DestinationPacer;
  private readonly pauses = new Set<() => void>();
  private timer?: TimerHandle;
  private round?: Promise<void>;
  private again = false;
  private stopped = true;
  private unsubscribe?: () => void;

  constructor(
    private readonly store: OutboxStore,
    private readonly clock: Clock,
    private readonly metrics: OutboxMetrics,
    private readonly bus: CallUpdatesBus,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.settings = config.webhooks;
    this.pacer = new DestinationPacer(this.settings.ratePerSecond);
  }

  registerSender(kind: string, sender: OutboxSender): void {
    this.senders.set(kind, sender);
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
    this.unsubscribe = this.bus.subscribe(() => this.wake());
    this.schedule(0);
  }

  /** Stops claiming; rows already claimed but not yet sent are given back. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.clock.clearTimeout(this.timer);
    for (const resume of this.pauses) resume();
    await this.round;
  }

  /** Something was committed: look now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.round) {
      this.again = true;
      return;
    }
    this.clock.clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    this.timer = this.clock.setTimeout(() => this.startRound(), delayMs);
  }

  private startRound(): void {
    this.timer = undefined;
    this.again = false;
    this.round = this.claimAndDeliver()
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
        if (!this.stopped)
          this.schedule(claimed > 0 || this.again ? 0 : this.settings.pollIntervalMs);
      });
  }

  private async claimAndDeliver(): Promise<number> {
    const now = this.clock.now();
    const token = randomUUID();
    const rows = await this.store.claim(
      new Date(now).toISOString(),
      new Date(now + this.settings.leaseMs).toISOString(),
      this.settings.batchSize,
      token,
    );
    // A claim holds at most one row per call and destination (see OutboxStore.claim), so the
    // rows may go side by side; the pacer still spaces each destination's.
    let next = 0;
    const worker = async () => {
      while (next < rows.length) await this.attemptUnlessStopped(rows[next++], token);
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, rows.length) }, worker));
    return rows.length;
  }

  private async attemptUnlessStopped(row: Delivery, token: string): Promise<void> {
    if (this.stopped) await this.store.release(row.id, token, row.nextAttemptAt);
    else await this.attempt(row, token);
  }

  private async attempt(row: Delivery, token: string): Promise<void> {
    const sender = this.senders.get(row.destinationKind);
    let outcome: AttemptOutcome;
    try {
      outcome = sender
        ? await sender.deliver(row, () => this.paced(row.destinationId))
        : { status: 'failed', reason: `no sender for ${row.destinationKind}` };
    } catch (error) {
      outcome = { status: 'retry', afterMs: 0, reason: (error as Error).message };
    }
    const attempts = row.attempts + 1;
    const now = this.clock.now();
    if (outcome.status === 'sent') {
      this.metrics.attempts.inc({ outcome: 'delivered' });
      this.metrics.delay.observe((now - Date.parse(row.createdAt)) / 1000);
      await this.store.settle(row.id, token, {
        status: 'delivered',
        attempts,
        lastError: null,
        deliveredAt: new Date(now).toISOString(),
      });
      return;
    }
    const delay =
      outcome.status === 'retry'
        ? retryDelayMs(this.settings, attempts, outcome.afterMs)
        : undefined;
    if (delay !== undefined && outcome.status === 'retry') {
      this.metrics.attempts.inc({ outcome: 'retry' });
      await this.store.settle(row.id, token, {
        status: 'pending',
        attempts,
        nextAttemptAt: new Date(now + delay).toISOString(),
        lastError: outcome.reason,
      });
      return;
    }
    const reason =
      outcome.status === 'retry'
        ? `gave up after ${attempts} attempts: ${outcome.reason}`
        : outcome.reason;
    this.metrics.attempts.inc({ outcome: outcome.status === 'gone' ? 'gone' : 'failed' });
    this.logger.warn(
      { deliveryId: row.id, destinationId: row.destinationId, reason },
      'outbox delivery failed',
    );
    await this.store.settle(row.id, token, { status: 'failed', attempts, lastError: reason });
    if (outcome.status === 'gone' && sender) await sender.gone(row.destinationId, reason);
  }

  private async paced(destinationId: string): Promise<void> {
    const waitMs = this.pacer.reserve(destinationId, this.clock.now());
    if (waitMs > 0) await this.pause(waitMs);
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
