import {
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { RateLimiter } from '../cluster/shared-rate-limiter.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PacedXAssistBudget, XAssistBudget } from './xassist-budget.js';
import { XAssistClient } from './xassist-client.port.js';
import { XAssistHttpClient } from './xassist-http.client.js';
import { XAssistBudgetMetrics } from './xassist-metrics.js';

@Module({
  providers: [
    {
      // One budget per process, its slots taken from the RateLimiter of ClusterModule: in Redis
      // (one key for the whole deployment) when REDIS_URL is set, else in memory.
      provide: XAssistBudget,
      useFactory: (
        config: AppConfig,
        limiter: RateLimiter,
        clock: Clock,
        metrics: MetricsService,
        logger: Logger,
      ) =>
        new PacedXAssistBudget(
          config.xassist.maxRequestsPerSecond,
          limiter,
          clock,
          logger.child({ component: 'xassist-budget' }),
          new XAssistBudgetMetrics(metrics.registry),
          { instance: config.cluster.instanceId },
        ),
      inject: [APP_CONFIG, RateLimiter, Clock, MetricsService, ROOT_LOGGER],
    },
    {
      provide: XAssistClient,
      useFactory: (config: AppConfig, logger: Logger, budget: XAssistBudget) =>
        new XAssistHttpClient(
          config.xassist,
          logger.child({ component: 'xassist-client' }),
          {},
          budget,
        ),
      inject: [APP_CONFIG, ROOT_LOGGER, XAssistBudget],
    },
  ],
  exports: [XAssistClient],
})
export class XAssistModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(XAssistClient) private readonly client: XAssistClient) {}

  /** Not awaited: start-up neither waits for a slow xAssist nor fails on a passing outage. */
  onApplicationBootstrap(): void {
    void this.client.start();
  }

  /** The client closes the budget too: what still waits for a slot is refused, never sent. */
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
