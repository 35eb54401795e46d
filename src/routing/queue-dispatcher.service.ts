import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock, type TimerHandle } from '../common/clock.js';
import { logRoundFailure } from '../common/error-answer.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { OfferExpiry } from './offer-expiry.js';
import { OfferRound } from './offer-round.js';
import { QueuePlacer } from './queue-placement.js';
import { RoutingLeadership } from './routing-leadership.js';
import { WaitingRequests } from './waiting-requests.js';

/**
 * Runs the queues: on every tick (ROUTING_TICK_MS, and at once when something changed) it times
 * out due offers, ends requests that waited too long, runs due escalation steps, makes the offers
 * the rules call for and works out each request's place; one class per job. Everything it reads
 * and writes is in the database. With several instances only the leader ticks (docs/scaling.md):
 * the others pass their kicks on to it; each write stays guarded (seq, unique indexes,
 * conditional updates) for the moment two instances both believe they lead.
 */
@Injectable()
export class QueueDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: TimerHandle;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private readonly logger: Logger;

  constructor(
    private readonly expiry: OfferExpiry,
    private readonly waiting: WaitingRequests,
    private readonly offers: OfferRound,
    private readonly placer: QueuePlacer,
    private readonly leadership: RoutingLeadership,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'queue-dispatcher' });
  }

  onApplicationBootstrap(): void {
    this.leadership.onWake(() => this.route());
    this.schedule();
    this.route();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Something changed (a new request, an expert free or available): route now, not at the tick;
   * on an instance that is not the leader, the leader is told to.
   */
  kick(): void {
    if (this.stopped) return;
    if (this.leadership.isLeader()) this.route();
    else this.leadership.wakeLeader();
  }

  private route(): void {
    if (this.stopped || !this.leadership.isLeader()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runTicks().finally(() => (this.running = undefined));
  }

  /** Resolves once the ticks asked for so far have run (tests and benchmarks wait on it). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.route();
      if (!this.stopped) this.schedule();
    }, this.config.routing.tickMs);
  }

  private async runTicks(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.tick();
      } catch (error) {
        logRoundFailure(this.logger, error, {}, 'a routing tick failed; the next one tries again');
      }
    } while (this.again && !this.stopped && this.leadership.isLeader());
  }

  private async tick(): Promise<void> {
    await this.expiry.run();
    const nowMs = this.clock.now();
    const waiting = await this.waiting.advance(nowMs);
    await this.offers.run(waiting);
    await this.placer.place(waiting, nowMs);
  }
}
