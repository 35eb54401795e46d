import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module.js';
import { AppointmentCalls } from './appointment-calls.js';
import { AppointmentRepository } from './appointment.repository.js';
import { AppointmentsController } from './appointments.controller.js';
import { AppointmentsService } from './appointments.service.js';

@Module({
  imports: [CallsModule],
  controllers: [AppointmentsController],
  providers: [AppointmentRepository, AppointmentCalls, AppointmentsService],
})
export class AppointmentsModule {}
