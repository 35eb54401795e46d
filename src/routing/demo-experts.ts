import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock, type TimerHandle } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DEMO_EXPERT_IDS } from '../directory/demo-directory.js';
import { DirectoryService, hasRole } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import { OnEvent } from '../events/on-event.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { PresenceService } from './presence.service.js';
import { RoutedCalls } from './routed-calls.service.js';
import type { OfferCreated } from './routing-facts.js';

/** How long a demo expert lets an offer ring before taking it (time to take it yourself first). */
export const DEMO_ACCEPT_AFTER_MS = 6000;

/**
 * The demo experts of demo mode (DEMO_EXPERT_IDS) who are in the directory; none outside it.
 * PresenceService keeps them out of the offline grace (they have no dashboard to close).
 */
export function demoExpertIds(config: Pick<AppConfig, 'demoMode'>): readonly string[] {
  return config.demoMode ? DEMO_EXPERT_IDS : [];
}

/**
 * Demo mode only: everyone in the directory who is an expert comes online at start-up, so a
 * newcomer's first request is offered at once; the demo experts (real people of the demo
 * directory, never Erika) take an offer made to them when nobody answered it for a few seconds,
 * and the call says so (`routing.taken_by_demo_expert`, `acceptedBy` naming them). An expert who
 * answers first wins; the demo expert's late accept is then refused like any other, and ignored.
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

  /** An offer to a demo expert: taken after a moment, unless someone answered first. */
  @OnEvent('offer.created', 'after-commit')
  offered({ offer }: OfferCreated): void {
    if (this.stopped) return;
    const expert = this.demoExpert(offer.expertId);
    if (!expert) return;
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      this.routed.accept(expert, offer.id, { demoExpert: true }).then(
        () =>
          this.logger.info({ offerId: offer.id, expertId: expert.id }, 'the demo expert took it'),
        () => undefined, // answered already (accepted, declined or expired): nothing to do
      );
    }, DEMO_ACCEPT_AFTER_MS);
    this.timers.add(timer);
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const timer of this.timers) this.clock.clearTimeout(timer);
  }

  private demoExpert(personId: string): Person | undefined {
    if (!demoExpertIds(this.config).includes(personId)) return undefined;
    const person = this.directory.find(personId);
    return person && hasRole(person, 'expert') ? person : undefined;
  }
}
