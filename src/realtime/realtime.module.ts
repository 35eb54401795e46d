import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module.js';
import { QuotasModule } from '../quotas/quotas.module.js';
import { CallsGateway } from './calls.gateway.js';
import { DashboardController } from './dashboard/dashboard.controller.js';

@Module({
  imports: [CallsModule, QuotasModule],
  providers: [CallsGateway],
  controllers: [DashboardController],
})
export class RealtimeModule {}
