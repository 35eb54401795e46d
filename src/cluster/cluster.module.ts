import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { REDIS, connectRedis, connectRedisListener } from './redis-connection.js';
import { RedisSignals } from './redis-signals.js';
import { ClusterRole } from './cluster-role.js';
import { clusterRoleProvider } from './cluster-role-member.js';
import { ClusterSignals, NoOtherInstances } from './cluster-signals.js';
import { RateLimiter, rateLimiterFor } from './shared-rate-limiter.js';
import { Clock } from '../common/clock.js';

/** This instance's place among the others (docs/scaling.md), for every module. */
@Global()
@Module({
  providers: [
    clusterRoleProvider,
    {
      // Over Redis pub/sub when several instances share the database (why: redis-signals.ts).
      provide: ClusterSignals,
      useFactory: (config: AppConfig, redis: Redis | null, logger: Logger) => {
        const { redisUrl, instanceId, redisKeyPrefix } = config.cluster;
        if (redisUrl === undefined || redis === null) return new NoOtherInstances();
        const signalsLogger = logger.child({ component: 'cluster-signals' });
        const subscriber = connectRedisListener(
          redisUrl,
          signalsLogger,
          `broker:${instanceId}:signals`,
        );
        return new RedisSignals(redis, subscriber, instanceId, redisKeyPrefix, signalsLogger);
      },
      inject: [APP_CONFIG, REDIS, ROOT_LOGGER],
    },
    {
      // Limits shared by every instance (webhook pacing), in Redis when REDIS_URL is set.
      provide: RateLimiter,
      useFactory: (redis: Redis | null, clock: Clock, logger: Logger, config: AppConfig) =>
        rateLimiterFor(redis, clock, logger, config.cluster.redisKeyPrefix),
      inject: [REDIS, Clock, ROOT_LOGGER, APP_CONFIG],
    },
    {
      provide: REDIS,
      useFactory: (config: AppConfig, logger: Logger) =>
        config.cluster.redisUrl === undefined
          ? null
          : connectRedis(
              config.cluster.redisUrl,
              logger.child({ component: 'redis' }),
              `broker:${config.cluster.instanceId}`,
            ),
      inject: [APP_CONFIG, ROOT_LOGGER],
    },
  ],
  exports: [ClusterRole, ClusterSignals, REDIS, RateLimiter],
})
export class ClusterModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}
