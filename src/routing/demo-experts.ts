import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock, type TimerHandle } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DirectoryService } from '../directory/directory.service.js';
import { OnEvent } from '../events/on-event.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { PresenceService } from './presence.service.js';
import { RoutedCalls } from './routed-calls.service.js';
import type { OfferCreated } from './routing-facts.js';

/** How long a demo expert lets an offer ring before taking it (time to take it yourself first). */
export const DEMO_ACCEPT_AFTER_MS = 6000;

/**
 * Demo mode only: the demo experts come online at start-up and take an offer they are given
 * when nobody has answered it for a few seconds, so a newcomer sees a queued request offered
 * and accepted without opening an expert's dashboard. An expert who answers first wins; the
 * demo expert's late accept is then refused like any other, and ignored.
 */
@Injectable()
export class DemoExperts implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly timers = new Set<TimerHandle>();
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: DirectoryService,
    private readonly presence: PresenceService,
    private readonly routed: RoutedCalls,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.demoMode) return;
    for (const expert of this.directory.withRole('expert'))
      await this.presence.set(expert, 'available');
  }

  /** In demo mode the offered expert accepts after a moment, as a person at a dashboard would. */
  @OnEvent('offer.created', 'after-commit')
  offered({ offer }: OfferCreated): void {
    if (!this.config.demoMode || this.stopped) return;
    const expert = this.directory.find(offer.expertId);
    if (!expert) return;
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      this.routed.accept(expert, offer.id).then(
        () => this.logger.info({ offerId: offer.id, expertId: expert.id }, 'demo expert accepted'),
        () => undefined, // answered already (accepted, declined or expired): nothing to do
      );
    }, DEMO_ACCEPT_AFTER_MS);
    this.timers.add(timer);
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const timer of this.timers) this.clock.clearTimeout(timer);
  }
}
