import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service.js';

/** The shared registry; GET /metrics is served by HealthModule (health/metrics.controller.ts). */
@Global()
@Module({
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
