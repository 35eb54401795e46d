import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module.js';
import { QuotasModule } from '../quotas/quotas.module.js';
import { RoutingModule } from '../routing/routing.module.js';
import { SocketPresence } from '../routing/socket-presence.js';
import { CallsGateway } from './calls.gateway.js';
import { RoutingGateway } from './routing.gateway.js';
import { DashboardController } from './dashboard/dashboard.controller.js';

@Module({
  imports: [CallsModule, QuotasModule, RoutingModule],
  providers: [
    CallsGateway,
    RoutingGateway,
    // The gateway knows the sockets; paging asks it through the port before paging an offer.
    { provide: SocketPresence, useExisting: RoutingGateway },
  ],
  controllers: [DashboardController],
  exports: [SocketPresence],
})
export class RealtimeModule {}
