import { Global, Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module.js';
import { QuotasModule } from '../quotas/quotas.module.js';
import { BookedSessions } from '../routing/booked-sessions.port.js';
import { AppointmentCalls } from './appointment-calls.js';
import { AppointmentRepository } from './appointment.repository.js';
import { AppointmentSessions } from './appointment-sessions.js';
import { AppointmentsController } from './appointments.controller.js';
import { AppointmentsService } from './appointments.service.js';
import { SessionSlots } from './session-slots.js';

/**
 * Booked sessions. Global for one port: routing's presence reads the sessions through
 * BookedSessions without importing this layer above it.
 */
@Global()
@Module({
  imports: [CallsModule, QuotasModule],
  controllers: [AppointmentsController],
  providers: [
    AppointmentRepository,
    AppointmentCalls,
    AppointmentsService,
    SessionSlots,
    { provide: BookedSessions, useClass: AppointmentSessions },
  ],
  exports: [BookedSessions],
})
export class AppointmentsModule {}
