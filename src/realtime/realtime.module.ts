import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module.js';
import { CallsGateway } from './calls.gateway.js';
import { DashboardController } from './dashboard/dashboard.controller.js';

@Module({ imports: [CallsModule], providers: [CallsGateway], controllers: [DashboardController] })
export class RealtimeModule {}
