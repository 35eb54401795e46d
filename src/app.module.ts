import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';
import { AppointmentsModule } from './appointments/appointments.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CallsModule } from './calls/calls.module.js';
import { ClusterModule } from './cluster/cluster.module.js';
import { ClockModule } from './common/clock.module.js';
import { HttpErrorFilter } from './edge/http-error.filter.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { DatabaseModule } from './database/database.module.js';
import { DirectoryModule } from './directory/directory.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthModule } from './health/health.module.js';
import { ROOT_LOGGER } from './logging/logger.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { PagingModule } from './paging/paging.module.js';
import { RealtimeModule } from './realtime/realtime.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { RoutingModule } from './routing/routing.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

/** The configuration and the logger, made once at start-up, for every module. */
@Global()
@Module({})
class CoreModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: logger },
      ],
      exports: [APP_CONFIG, ROOT_LOGGER],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, logger),
        ClockModule,
        EventsModule,
        MetricsModule,
        DatabaseModule,
        ClusterModule,
        DirectoryModule,
        AuthModule,
        CallsModule,
        RealtimeModule,
        RoutingModule,
        AppointmentsModule,
        WebhooksModule,
        PagingModule,
        ReportsModule,
        HealthModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }
}
