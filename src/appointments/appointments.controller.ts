import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { CurrentPerson } from '../auth/auth.guard.js';
import { DirectoryService } from '../directory/directory.service.js';
import { personRef, type Person, type PersonRef } from '../directory/person.js';
import { ApiErrors, ApiJson } from '../openapi/api-responses.js';
import {
  toAppointmentView,
  type AppointmentRecord,
  type AppointmentView,
} from './appointment.model.js';
import { appointmentCalendar } from './appointment-calendar.js';
import { AppointmentIdParam } from './appointment-id.param.js';
import { AppointmentsService } from './appointments.service.js';
import {
  APPOINTMENT_PAGE_LIMIT,
  CreateAppointmentDto,
  ListAppointmentsQuery,
  RescheduleAppointmentDto,
} from './dto/appointment.dto.js';

@ApiTags('appointments')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('v1/appointments')
export class AppointmentsController {
  constructor(
    private readonly appointments: AppointmentsService,
    private readonly directory: DirectoryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @ApiOperation({
    operationId: 'bookAppointment',
    summary: 'Book a session with one named expert, or one of a queue assigned now',
    description:
      'Creates the xAssist call at once with plannedDateTime (the call is planned until the start). ' +
      '409 appointment_clash when the named expert has a session then (clash names it); 409 no_expert_free when nobody of the queue is. ' +
      'When xAssist refuses (502) or cannot be reached (503) the booking is cancelled and the error body carries the failed call.',
  })
  @ApiJson(201, 'Appointment', 'The session, booked; expert says whom')
  @ApiErrors(400, 403, 413, 415, 422)
  @ApiJson(409, 'AppointmentConflict', 'The expert is booked then, or nobody of the queue is free')
  @ApiJson(
    429,
    'Error',
    'The caller created too many calls this minute (a booking creates one, as POST /v1/calls does)',
    {
      'Retry-After': {
        description: 'Seconds to wait before asking again (also retryAfterSeconds in the body).',
        schema: { type: 'string', pattern: '^[0-9]+$' },
      },
    },
  )
  @ApiJson(502, 'CallCreationError', 'xAssist refused the call; the booking is cancelled')
  @ApiJson(503, 'CallCreationError', 'xAssist could not be reached; the booking is cancelled')
  async book(
    @CurrentPerson() caller: Person,
    @Body() body: CreateAppointmentDto,
  ): Promise<AppointmentView> {
    return this.view(await this.appointments.book(caller, body));
  }

  @Get()
  @ApiOperation({
    operationId: 'listAppointments',
    summary:
      "The caller's sessions by start: a technician's, an expert's, those an integration booked; a supervisor's: all",
  })
  @ApiJson(200, 'AppointmentList', 'The sessions, earliest start first')
  @ApiErrors(400)
  async list(
    @CurrentPerson() caller: Person,
    @Query() query: ListAppointmentsQuery,
  ): Promise<{ appointments: AppointmentView[] }> {
    const limit = query.limit === undefined ? APPOINTMENT_PAGE_LIMIT.default : Number(query.limit);
    const found = await this.appointments.list(caller, {
      from: query.from,
      to: query.to,
      expertId: query.expertId,
      limit,
    });
    return { appointments: found.map((appointment) => this.view(appointment)) };
  }

  // Before `:id`, which would take `<id>.ics` for an id (and refuse it).
  @Get(':id.ics')
  @Header('Content-Type', 'text/calendar; charset=utf-8')
  @ApiOperation({
    operationId: 'getAppointmentCalendar',
    summary: "The session as an iCalendar event (RFC 5545), for the participants' calendars",
    description:
      'One VEVENT: UID is the appointment id for its whole life, SEQUENCE its sequence (one more per move and for the cancel), ' +
      'DTSTART/DTEND in the booking time zone with its VTIMEZONE, STATUS CONFIRMED or CANCELLED. Importing it again updates the event.',
  })
  @ApiProduces('text/calendar')
  @ApiResponse({
    status: 200,
    description: 'The iCalendar text',
    content: { 'text/calendar': { schema: { type: 'string' } } },
  })
  @ApiErrors(400, 404)
  async calendar(
    @CurrentPerson() caller: Person,
    @Param() { id }: AppointmentIdParam,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    const appointment = this.view(await this.appointments.get(caller, id));
    response.setHeader('Content-Disposition', `inline; filename="session-${appointment.id}.ics"`);
    return appointmentCalendar(appointment, this.config.paging.publicUrl);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getAppointment', summary: 'One session' })
  @ApiJson(200, 'Appointment', 'The session')
  @ApiErrors(400, 404)
  async get(
    @CurrentPerson() caller: Person,
    @Param() { id }: AppointmentIdParam,
  ): Promise<AppointmentView> {
    return this.view(await this.appointments.get(caller, id));
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'rescheduleAppointment',
    summary: 'Move a session not yet started: a new planned call, sequence one higher',
  })
  @ApiJson(200, 'Appointment', 'The session at its new time, with its new call')
  @ApiErrors(400, 404, 413, 415, 422)
  @ApiJson(409, 'AppointmentConflict', 'The expert is booked then, or the session has started')
  @ApiJson(502, 'CallCreationError', 'xAssist refused the new call; it is kept as failed')
  @ApiJson(503, 'CallCreationError', 'xAssist could not be reached; the new call is kept as failed')
  async reschedule(
    @CurrentPerson() caller: Person,
    @Param() { id }: AppointmentIdParam,
    @Body() body: RescheduleAppointmentDto,
  ): Promise<AppointmentView> {
    return this.view(await this.appointments.reschedule(caller, id, body));
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelAppointment', summary: 'Cancel a session and its call' })
  @ApiJson(200, 'Appointment', 'The session, cancelled')
  @ApiErrors(400, 404, 409)
  async cancel(
    @CurrentPerson() caller: Person,
    @Param() { id }: AppointmentIdParam,
  ): Promise<AppointmentView> {
    return this.view(await this.appointments.cancel(caller, id));
  }

  private view(appointment: AppointmentRecord): AppointmentView {
    return toAppointmentView(appointment, (id) => this.person(id));
  }

  /** The directory may have changed since the booking: an id it no longer knows shows as itself. */
  private person(id: string): PersonRef {
    const person = this.directory.find(id);
    return person ? personRef(person) : { id, displayName: id };
  }
}
