import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
} from '../common/broker-error.js';
import { Clock } from '../common/clock.js';
import { brokerEvent } from '../events/broker-events.js';
import { EventBus } from '../events/event-bus.js';
import { DirectoryService } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import type { Queue } from '../directory/queue.js';
import { CallCreationFailedError } from '../calls/call.errors.js';
import { isCancellable, isEnded, type CallStatus } from '../calls/call-lifecycle.js';
import { QuotasService } from '../quotas/quotas.service.js';
import type { CreateCallDto } from '../calls/dto/create-call.dto.js';
import { audienceOf, canSeeAppointment, mayBook } from './appointment-access.js';
import { AppointmentCalls } from './appointment-calls.js';
import './appointment-facts.js';
import { AppointmentClashError, NoExpertFreeError } from './appointment.errors.js';
import type { AppointmentRecord } from './appointment.model.js';
import { AppointmentRepository } from './appointment.repository.js';
import { SessionSlots } from './session-slots.js';
import { DURATION_MINUTES, sessionTimeOf } from './booking-rules.js';
import type { CreateAppointmentDto, RescheduleAppointmentDto } from './dto/appointment.dto.js';

/** A queue booking whose pick was taken meanwhile by a parallel one picks again, this often. */
const QUEUE_PICKS = 3;

const iso = (ms: number) => new Date(ms).toISOString();

/** The session's call as POST /v1/calls would be asked for it, to the one expert booked. */
function callRequestOf(dto: CreateAppointmentDto, expertId: string): CreateCallDto {
  return {
    technicianId: dto.technicianId,
    expertIds: [expertId],
    title: dto.title,
    reason: dto.reason,
    callType: dto.callType,
    anonymousJoinAllowed: dto.anonymousJoinAllowed,
    description: dto.description,
    externalRef: dto.externalRef,
    metadata: dto.metadata,
  };
}

/**
 * Booked sessions: booking (a named expert, or one of a queue's assigned now), listing, moving
 * and cancelling, with their visibility rules. The session's call is created on xAssist at
 * booking time with its plannedDateTime (AppointmentCalls); the tracker rings it at the start.
 */
@Injectable()
export class AppointmentsService {
  constructor(
    private readonly appointments: AppointmentRepository,
    private readonly calls: AppointmentCalls,
    private readonly directory: DirectoryService,
    private readonly clock: Clock,
    private readonly quotas: QuotasService,
    private readonly events: EventBus,
    private readonly slots: SessionSlots,
  ) {}

  async book(caller: Person, dto: CreateAppointmentDto): Promise<AppointmentRecord> {
    if (!mayBook(caller))
      throw new ForbiddenError(
        'a technician books for themselves; a supervisor or an integration for a technician',
      );
    if ((dto.expertIds === undefined) === (dto.queueId === undefined))
      throw new UnprocessableError('give either expertIds (one expert) or queueId, not both');
    const queue = dto.queueId === undefined ? undefined : this.queue(dto.queueId);
    const time = sessionTimeOf(
      dto.startsAt,
      dto.timeZone,
      dto.durationMinutes ?? DURATION_MINUTES.default,
      this.clock.now(),
    );
    // Each booking creates an xAssist call: it counts as a create of the caller's, as POST /v1/calls.
    await this.quotas.admitCreate(caller);
    const technicianId = dto.technicianId ?? caller.id;
    for (let pick = 1; ; pick++) {
      const expertId =
        dto.expertIds?.[0] ?? (await this.slots.pickFromQueue(queue!, technicianId, time));
      const call = this.calls.newCall(caller, callRequestOf(dto, expertId), time.startsAtMs);
      const now = this.clock.isoNow();
      const appointment: AppointmentRecord = {
        id: randomUUID(),
        status: 'booked',
        title: call.title,
        technicianId: call.technician.id,
        expertId,
        queueId: queue?.id ?? null,
        startsAt: iso(time.startsAtMs),
        endsAt: iso(time.endsAtMs),
        durationMinutes: (time.endsAtMs - time.startsAtMs) / 60_000,
        timeZone: time.timeZone,
        callId: call.id,
        createdBy: caller.id,
        sequence: 0,
        cancelReason: null,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await this.calls.insert(call, async (trx) => {
          await this.slots.assertFree(trx, { expertId, technicianId: call.technician.id }, time);
          await this.appointments.insert(trx, appointment);
          await this.events.inTransaction(trx, [
            brokerEvent('appointment.booked', { appointment }),
          ]);
        });
      } catch (error) {
        if (!(error instanceof AppointmentClashError) || !queue) throw error;
        // A parallel booking took the expert picked: pick again among those still free.
        if (pick < QUEUE_PICKS) continue;
        throw new NoExpertFreeError(queue.id, appointment.startsAt, appointment.endsAt);
      }
      this.events.afterCommit([brokerEvent('appointment.booked', { appointment })]);
      await this.createOrRelease(appointment, call.id);
      return appointment;
    }
  }

  async get(caller: Person, id: string): Promise<AppointmentRecord> {
    const appointment = await this.appointments.find(id);
    if (!appointment || !canSeeAppointment(caller, appointment))
      throw new NotFoundError(`appointment ${id} not found`);
    return appointment;
  }

  list(
    caller: Person,
    query: { from?: string; to?: string; expertId?: string; limit: number },
  ): Promise<AppointmentRecord[]> {
    return this.appointments.list({ audience: audienceOf(caller), ...query });
  }

  /**
   * Moves a session not yet started: checked for clashes like a booking; its planned call is
   * cancelled ("rescheduled") and a new xAssist call is created with the new plannedDateTime
   * (xAssist documents no way to change a call). The iCalendar SEQUENCE goes up, the id stays.
   */
  async reschedule(
    caller: Person,
    id: string,
    dto: RescheduleAppointmentDto,
  ): Promise<AppointmentRecord> {
    const before = await this.get(caller, id);
    const oldCall = await this.calls.find(before.callId);
    this.assertNotStarted(before, oldCall.status);
    if (
      dto.startsAt === undefined &&
      dto.timeZone === undefined &&
      dto.durationMinutes === undefined
    )
      throw new UnprocessableError('give startsAt, timeZone or durationMinutes to change');
    const time = sessionTimeOf(
      dto.startsAt ?? before.startsAt,
      dto.timeZone ?? before.timeZone,
      dto.durationMinutes ?? before.durationMinutes,
      this.clock.now(),
    );
    await this.quotas.admitCreate(caller);
    const call = this.calls.movedCall(oldCall, time.startsAtMs);
    const after: AppointmentRecord = {
      ...before,
      startsAt: iso(time.startsAtMs),
      endsAt: iso(time.endsAtMs),
      durationMinutes: (time.endsAtMs - time.startsAtMs) / 60_000,
      timeZone: time.timeZone,
      callId: call.id,
      sequence: before.sequence + 1,
      updatedAt: this.clock.isoNow(),
    };
    const moved = brokerEvent('appointment.moved', { appointment: after, before });
    await this.calls.insert(call, async (trx) => {
      await this.slots.assertFree(
        trx,
        { expertId: before.expertId, technicianId: before.technicianId },
        time,
        id,
      );
      // Guarded by the sequence it was read at, as a cancel is: of two moves (or a move and a
      // cancel) at once, the later write matches no row and rolls back with its new call,
      // rather than overwriting the first and leaving its call to ring unbooked.
      if (!(await this.appointments.updateIf(after, before.sequence, trx)))
        throw new ConflictError(`appointment ${id} changed meanwhile; ask for it again`);
      await this.events.inTransaction(trx, [moved]);
    });
    this.events.afterCommit([moved]);
    try {
      await this.calls.cancel(
        before.callId,
        `rescheduled: appointment ${id} moved to ${after.startsAt}, call ${call.id}`,
      );
    } finally {
      // The session points at the new call now: it is created on xAssist whatever the old one did.
      await this.calls.create(call);
    }
    return after;
  }

  /** Cancels a session not yet over; its call is cancelled with it. */
  async cancel(caller: Person, id: string): Promise<AppointmentRecord> {
    const before = await this.get(caller, id);
    const call = await this.calls.find(before.callId);
    if (before.status === 'cancelled')
      throw new ConflictError(`appointment ${id} is already cancelled`);
    if (
      isEnded(call.status) &&
      !this.endedBeforeStart(before, call.status) &&
      call.status !== 'cancelled' &&
      call.status !== 'failed'
    )
      throw new ConflictError(`appointment ${id} is over (its call is ${call.status})`);
    if (!isEnded(call.status) && !isCancellable(call.status))
      throw new ConflictError(`appointment ${id} is under way (its call is ${call.status})`);
    const after = await this.markCancelled(before, `cancelled by ${caller.id}`);
    await this.calls.cancel(before.callId, `appointment ${id} was cancelled`);
    return after;
  }

  private async markCancelled(
    before: AppointmentRecord,
    reason: string,
  ): Promise<AppointmentRecord> {
    const after: AppointmentRecord = {
      ...before,
      status: 'cancelled',
      cancelReason: reason,
      sequence: before.sequence + 1,
      updatedAt: this.clock.isoNow(),
    };
    const cancelled = brokerEvent('appointment.cancelled', { appointment: after });
    // Guarded by the sequence it was read at: a move or cancel meanwhile is not overwritten.
    const updated = await this.appointments.db.transaction().execute(async (trx) => {
      if (!(await this.appointments.updateIf(after, before.sequence, trx))) return false;
      await this.events.inTransaction(trx, [cancelled]);
      return true;
    });
    if (!updated)
      throw new ConflictError(`appointment ${before.id} changed meanwhile; ask for it again`);
    this.events.afterCommit([cancelled]);
    return after;
  }

  /** Creates the session's xAssist call; when xAssist fails the booking is released, then the error goes on. */
  private async createOrRelease(appointment: AppointmentRecord, callId: string): Promise<void> {
    try {
      await this.calls.create(await this.calls.find(callId));
    } catch (error) {
      if (error instanceof CallCreationFailedError)
        await this.markCancelled(appointment, `xAssist did not create its call: ${error.message}`);
      throw error;
    }
  }

  /**
   * Its call ended before the session's start (missed after an early join, cancelled by hand):
   * the session may still be moved or cancelled. One that ended after the start is the session's
   * end.
   */
  private endedBeforeStart(appointment: AppointmentRecord, callStatus: CallStatus): boolean {
    return isEnded(callStatus) && this.clock.now() < Date.parse(appointment.startsAt);
  }

  private assertNotStarted(appointment: AppointmentRecord, callStatus: CallStatus): void {
    if (appointment.status === 'cancelled')
      throw new ConflictError(`appointment ${appointment.id} is cancelled`);
    // A failed call (xAssist refused the last move), or one that ended before the start, may be
    // moved: a new call is made.
    if (
      !this.endedBeforeStart(appointment, callStatus) &&
      !['planned', 'creating', 'failed'].includes(callStatus)
    )
      throw new ConflictError(
        `appointment ${appointment.id} has started or is over (its call is ${callStatus}); it can no longer be moved`,
      );
  }

  private queue(id: string): Queue {
    const queue = this.directory.queue(id);
    if (!queue) throw new UnprocessableError(`queueId: "${id}" is not a queue`);
    return queue;
  }
}
