import { Global, Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module.js';
import { QuotasModule } from '../quotas/quotas.module.js';
import { RoutingModule } from '../routing/routing.module.js';
import { SocketPresence } from '../routing/socket-presence.js';
import { CallsGateway } from './calls.gateway.js';
import { RoutingGateway } from './routing.gateway.js';
import { DashboardController } from './dashboard/dashboard.controller.js';

/** Sockets. Global for one port: whether a person has a socket open (SocketPresence). */
@Global()
@Module({
  imports: [CallsModule, QuotasModule, RoutingModule],
  providers: [
    CallsGateway,
    RoutingGateway,
    // The gateway knows the sockets; routing and paging ask it through the port.
    { provide: SocketPresence, useExisting: RoutingGateway },
  ],
  controllers: [DashboardController],
  exports: [SocketPresence],
})
export class RealtimeModule {}
