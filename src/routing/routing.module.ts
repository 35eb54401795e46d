import { Global, Module } from '@nestjs/common';
import { QueueAdmission } from '../calls/queue-admission.port.js';
import { CallsModule } from '../calls/calls.module.js';
import { AcceptHistory } from './accept-history.js';
import { CallbacksController } from './callbacks.controller.js';
import { Callbacks } from './callbacks.service.js';
import { DemoExperts, demoExpertIds } from './demo-experts.js';
import { OffersController } from './offers.controller.js';
import { QueueDispatcher } from './queue-dispatcher.service.js';
import { RoutedCalls } from './routed-calls.service.js';
import { Escalations } from './escalations.js';
import { MaxWait } from './max-wait.js';
import { OfferExpiry } from './offer-expiry.js';
import { OfferLookaheads } from './offer-lookahead.js';
import { OfferRound } from './offer-round.js';
import { PresenceUpkeep } from './presence-upkeep.js';
import { RoutingQueueAdmission } from './queue-admission.js';
import { QueuePlacer } from './queue-placement.js';
import { RoutingLeadership } from './routing-leadership.js';
import { RoutingReactions } from './routing-reactions.js';
import { WaitingRequests } from './waiting-requests.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { KyselyRoutingRepository } from './kysely-routing.repository.js';
import { OfferService } from './offer.service.js';
import { PRESENCE_OPTIONS, PresenceService, type PresenceOptions } from './presence.service.js';
import { RoutingRepository } from './routing.repository.js';
import { RoutingController } from './routing.controller.js';
import { RoutingOverviewService } from './routing-overview.service.js';

/**
 * Queues, presence and offers; the gateways use what it exports. Global for one port: call
 * creation admits routed requests through QueueAdmission without importing routing.
 */
@Global()
@Module({
  imports: [CallsModule],
  controllers: [RoutingController, OffersController, CallbacksController],
  providers: [
    { provide: RoutingRepository, useClass: KyselyRoutingRepository },
    {
      provide: PRESENCE_OPTIONS,
      useFactory: (config: AppConfig): PresenceOptions => ({
        ...config.routing,
        withoutGrace: demoExpertIds(config),
      }),
      inject: [APP_CONFIG],
    },
    PresenceService,
    OfferService,
    RoutingOverviewService,
    AcceptHistory,
    QueueDispatcher,
    RoutingLeadership,
    OfferExpiry,
    MaxWait,
    Escalations,
    WaitingRequests,
    Callbacks,
    OfferRound,
    OfferLookaheads,
    QueuePlacer,
    RoutingReactions,
    PresenceUpkeep,
    { provide: QueueAdmission, useClass: RoutingQueueAdmission },
    RoutedCalls,
    DemoExperts,
  ],
  exports: [
    RoutingRepository,
    PresenceService,
    OfferService,
    RoutingOverviewService,
    QueueDispatcher,
    RoutedCalls,
    QueueAdmission,
    OfferLookaheads,
  ],
})
export class RoutingModule {}
