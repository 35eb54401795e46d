import { Module } from '@nestjs/common';
import { KyselyRoutingRepository } from './kysely-routing.repository.js';
import { OfferService } from './offer.service.js';
import { PresenceService } from './presence.service.js';
import { RoutingRepository } from './routing.repository.js';
import { RoutingController } from './routing.controller.js';
import { RoutingOverviewService } from './routing-overview.service.js';

/** Queues, presence and offers (issue 11); the gateway and call creation use what it exports. */
@Module({
  controllers: [RoutingController],
  providers: [
    { provide: RoutingRepository, useClass: KyselyRoutingRepository },
    PresenceService,
    OfferService,
    RoutingOverviewService,
  ],
  exports: [RoutingRepository, PresenceService, OfferService, RoutingOverviewService],
})
export class RoutingModule {}
