import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { ClusterRole } from '../cluster/cluster-role.js';
import { Clock, type TimerHandle } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DELETE_BATCH, deleteInBatches } from '../database/batched-delete.js';
import { DATABASE } from '../database/database.module.js';
import type { BrokerDatabase } from '../database/schema.js';
import { ROOT_LOGGER } from '../logging/logger.js';

/** How often the leader prunes; it also prunes once when it becomes leader. */
export const PRUNE_INTERVAL_MS = 60 * 60_000;
const DAY_MS = 86_400_000;

/** The edit history of a wrap-up and a rating: kept as long as the call (docs/security.md). */
const KEPT_EVENT_TYPES = ['wrap_up.%', 'rating.%'];

export interface PruneResult {
  callEvents: number;
}

/**
 * Data lifecycle (RETENTION_DAYS, docs/security.md "At rest"): call events older than the
 * retention are deleted in batches of DELETE_BATCH (database/batched-delete.ts), each its own short statement,
 * so no write waits long. The call rows stay: with their times, status, wrap-up and rating they
 * are everything the reports count; so do the wrap-up and rating events. Leader-only (one
 * instance prunes for the cluster), on the Clock.
 */
@Injectable()
export class EventRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private timer?: TimerHandle;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    @Inject(DATABASE) private readonly db: Kysely<BrokerDatabase>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly clock: Clock,
    private readonly role: ClusterRole,
  ) {
    this.logger = logger.child({ component: 'event-retention' });
  }

  onApplicationBootstrap(): void {
    this.role.onLeadershipChange((leader) => {
      if (leader) this.schedule(0);
      else this.clock.clearTimeout(this.timer);
    });
    if (this.role.isLeader()) this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    await this.running;
  }

  /** Resolves once a prune under way has finished (specs on the fake clock wait here). */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Prunes everything older than RETENTION_DAYS before `nowMs`. */
  async prune(nowMs = this.clock.now()): Promise<PruneResult> {
    const cutoff = new Date(nowMs - this.config.atRest.retentionDays * DAY_MS).toISOString();
    const callEvents = await deleteInBatches(
      () =>
        this.db
          .deleteFrom('call_events')
          .where((eb) =>
            eb(
              eb.refTuple('call_id', 'seq'),
              'in',
              eb
                .selectFrom('call_events')
                .select(['call_id', 'seq'])
                .where('at', '<', cutoff)
                .where((kept) =>
                  kept.and(KEPT_EVENT_TYPES.map((type) => kept('type', 'not like', type))),
                )
                .limit(DELETE_BATCH)
                .$asTuple('call_id', 'seq'),
            ),
          )
          .executeTakeFirst(),
      () => this.stopped || !this.role.isLeader(),
    );
    return { callEvents };
  }

  private schedule(delayMs: number): void {
    this.clock.clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      if (this.stopped || !this.role.isLeader()) return;
      this.running = this.prune()
        .then((result) => {
          if (result.callEvents > 0)
            this.logger.info(result, 'pruned past the retention (RETENTION_DAYS)');
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'pruning failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped && this.role.isLeader()) this.schedule(PRUNE_INTERVAL_MS);
        });
    }, delayMs);
  }
}
