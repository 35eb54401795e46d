import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module.js';
import { AcceptHistory } from './accept-history.js';
import { DemoExperts } from './demo-experts.js';
import { OffersController } from './offers.controller.js';
import { QueueDispatcher } from './queue-dispatcher.service.js';
import { RoutedCalls } from './routed-calls.service.js';
import { RoutingNotices } from './routing-notices.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { KyselyRoutingRepository } from './kysely-routing.repository.js';
import { OfferService } from './offer.service.js';
import { PRESENCE_OPTIONS, PresenceService, type PresenceOptions } from './presence.service.js';
import { RoutingRepository } from './routing.repository.js';
import { RoutingController } from './routing.controller.js';
import { RoutingOverviewService } from './routing-overview.service.js';

/** Queues, presence and offers (issue 11); the gateway and call creation use what it exports. */
@Module({
  imports: [CallsModule],
  controllers: [RoutingController, OffersController],
  providers: [
    { provide: RoutingRepository, useClass: KyselyRoutingRepository },
    {
      provide: PRESENCE_OPTIONS,
      useFactory: (config: AppConfig): PresenceOptions => config.routing,
      inject: [APP_CONFIG],
    },
    PresenceService,
    OfferService,
    RoutingOverviewService,
    RoutingNotices,
    AcceptHistory,
    QueueDispatcher,
    RoutedCalls,
    DemoExperts,
  ],
  exports: [
    RoutingRepository,
    PresenceService,
    OfferService,
    RoutingOverviewService,
    RoutingNotices,
    QueueDispatcher,
    RoutedCalls,
  ],
})
export class RoutingModule {}
