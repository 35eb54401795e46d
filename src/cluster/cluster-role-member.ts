import type { FactoryProvider, OnApplicationShutdown } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { DatabaseKind } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import type { BrokerDatabase } from '../database/schema.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClusterRole } from './cluster-role.js';
import { InstanceRegistry, processIsAlive } from './instance-registry.js';
import { InstanceRegistryStore } from './instance-registry.store.js';
import { LeaderLease } from './leader-lease.js';
import { KyselyLeaseStore } from './leader-lease.store.js';

/**
 * This process among the rows of broker_instances, where host and pid cannot tell (every
 * container's process is pid 1): one per process, so apps in one process share it.
 */
const PROCESS_TOKEN = randomBytes(12).toString('hex');

/** The `leases` row the leader holds. */
export const LEADER_LEASE = 'leader';

export function databaseKindOf(databaseUrl: string): DatabaseKind {
  return databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres';
}

/**
 * This process as a registered broker instance (docs/scaling.md): its row in broker_instances,
 * and, with REDIS_URL, its bid for the leader lease. Without REDIS_URL it is the only instance
 * (registration made sure) and so always the leader.
 */
export class ClusterMember extends ClusterRole implements OnApplicationShutdown {
  readonly instanceId: string;
  readonly several: boolean;
  private readonly listeners: Array<(leader: boolean) => void> = [];
  private readonly lease?: LeaderLease;

  constructor(
    readonly registry: InstanceRegistry,
    lease: ((changed: (leader: boolean) => void) => LeaderLease) | undefined,
    private readonly logger: Logger,
    private readonly metrics?: MetricsService,
  ) {
    super();
    this.instanceId = registry.identity.id;
    this.several = registry.identity.several;
    this.lease = lease?.((leader) => this.changed(leader));
  }

  /** Registers (throws InstanceRefusedError when refused), then bids for the leadership. */
  static async join(
    db: Kysely<BrokerDatabase>,
    config: AppConfig,
    clock: Clock,
    logger: Logger,
    metrics?: MetricsService,
  ): Promise<ClusterMember> {
    const kind = databaseKindOf(config.databaseUrl);
    const { instanceId, leaseTtlMs, heartbeatMs, redisUrl } = config.cluster;
    const identity = {
      id: instanceId,
      host: hostname(),
      pid: process.pid,
      several: redisUrl !== undefined,
      token: PROCESS_TOKEN,
    };
    const log = logger.child({ component: 'cluster', instanceId });
    const registry = new InstanceRegistry(
      new InstanceRegistryStore(db, kind, leaseTtlMs),
      identity,
      clock,
      heartbeatMs,
      log,
      processIsAlive,
      // Back from a pause past the lease, and another instance that started meanwhile rules this
      // one out: it shuts down as on SIGTERM (main.ts: not ready, then the app closes).
      () => process.kill(process.pid, 'SIGTERM'),
    );
    const lease = identity.several
      ? (changed: (leader: boolean) => void) =>
          new LeaderLease(
            new KyselyLeaseStore(db, kind, LEADER_LEASE),
            { owner: instanceId, leaseTtlMs, heartbeatMs },
            clock,
            () => performance.now(),
            log,
            changed,
          )
      : undefined;
    const member = new ClusterMember(registry, lease, log, metrics);
    await member.start();
    return member;
  }

  async start(): Promise<void> {
    await this.registry.register();
    if (this.lease) await this.lease.start();
    this.metrics?.clusterLeader.set(this.isLeader() ? 1 : 0);
  }

  isLeader(): boolean {
    return this.lease ? this.lease.isLeader() : true;
  }

  onLeadershipChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** After the features stopped (ClusterModule is global: its hooks run late): leave the cluster. */
  async onApplicationShutdown(): Promise<void> {
    await this.lease?.stop();
    this.metrics?.clusterLeader.set(0);
    await this.registry.stop();
  }

  private changed(leader: boolean): void {
    this.metrics?.clusterLeader.set(leader ? 1 : 0);
    for (const listener of this.listeners) {
      try {
        listener(leader);
      } catch (error) {
        this.logger.error({ err: error }, 'a leadership listener failed');
      }
    }
  }
}

/**
 * ClusterModule's ClusterRole. Registration runs in this factory, before any feature starts, so
 * that a refused start stops before it acts.
 */
export const clusterRoleProvider: FactoryProvider<Promise<ClusterRole>> = {
  provide: ClusterRole,
  useFactory: (
    db: Kysely<BrokerDatabase>,
    config: AppConfig,
    clock: Clock,
    logger: Logger,
    metrics: MetricsService,
  ) => ClusterMember.join(db, config, clock, logger, metrics),
  inject: [DATABASE, APP_CONFIG, Clock, ROOT_LOGGER, MetricsService],
};
