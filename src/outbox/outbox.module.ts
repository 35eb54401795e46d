import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { REDIS } from '../cluster/redis-connection.js';
import { RateLimiter, rateLimiterFor } from '../cluster/shared-rate-limiter.js';
import { Clock } from '../common/clock.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { OutboxStore } from './kysely-outbox.store.js';
import { OutboxDispatcher } from './outbox-dispatcher.service.js';
import { OutboxMetrics } from './outbox-metrics.js';
import { DiscoveredOutboxSenders, OutboxSenders } from './outbox-sender.js';

/**
 * The durable outbox: rows written with call changes, delivered at least once by the dispatcher
 * through the providers marked `@OutboxSenderOf(kind)`. It knows no feature: the webhooks and
 * paging modules write rows, send them and wake the dispatcher.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    OutboxStore,
    OutboxMetrics,
    { provide: OutboxSenders, useClass: DiscoveredOutboxSenders },
    // The sends' pacing, shared through Redis when REDIS_URL is set (until the cluster module
    // provides one RateLimiter for every feature).
    {
      provide: RateLimiter,
      useFactory: (redis: Redis | null, clock: Clock, logger: Logger) =>
        rateLimiterFor(redis, clock, logger),
      inject: [REDIS, Clock, ROOT_LOGGER],
    },
    OutboxDispatcher,
  ],
  exports: [OutboxStore, OutboxDispatcher],
})
export class OutboxModule {}
