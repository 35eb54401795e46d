import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock, type TimerHandle } from '../common/clock.js';
import { logRoundFailure } from '../common/error-answer.js';
import { ClusterRole } from '../cluster/cluster-role.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { brokerEvent } from '../events/broker-events.js';
import { EventBus } from '../events/event-bus.js';
import { OnEvent } from '../events/on-event.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { PresenceService } from './presence.service.js';
import type { PresenceChanged } from './routing-facts.js';
import { RoutingOverviewService } from './routing-overview.service.js';
import { SocketPresence } from './socket-presence.js';

/**
 * Presence beyond what experts set: a change is told as the expert's whole view
 * (`presence.updated`), and experts left available by an instance that stopped (whose grace
 * timers died with it), with no socket anywhere, go offline: at start-up, then once per grace,
 * on the leader only (a once-per-cluster job), and at once when this instance becomes the leader.
 */
@Injectable()
export class PresenceUpkeep implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: TimerHandle;
  private stopped = false;
  private readonly logger: Logger;

  constructor(
    private readonly presence: PresenceService,
    private readonly overview: RoutingOverviewService,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    // The realtime layer answers (provided globally; a start without it fails, never degrades).
    private readonly sockets: SocketPresence,
    private readonly role: ClusterRole,
  ) {
    this.logger = logger.child({ component: 'presence-upkeep' });
  }

  @OnEvent('presence.changed', 'after-commit')
  async told({ presence }: PresenceChanged): Promise<void> {
    const expert = await this.overview.expert(presence.expertId);
    if (expert) this.bus.afterCommit([brokerEvent('presence.updated', { expert })]);
  }

  onApplicationBootstrap(): void {
    this.role.onLeadershipChange((leader) => {
      if (leader) this.sweep();
    });
    this.sweep();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
  }

  private sweep(): void {
    if (this.stopped) return;
    if (this.role.isLeader())
      this.presence
        .expireStale((personId) => this.sockets.hasSocket(personId))
        // After-call work whose timer died with an instance ends here, on time or one grace late.
        .then(() => this.presence.settleWrapUps())
        .catch((error: unknown) =>
          logRoundFailure(this.logger, error, {}, 'the presence sweep failed'),
        );
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.sweep(), this.config.routing.offlineGraceMs);
  }
}
