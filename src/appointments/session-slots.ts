import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from 'kysely';
import { ConflictError } from '../common/broker-error.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { BrokerDatabase } from '../database/schema.js';
import { DirectoryService } from '../directory/directory.service.js';
import type { Queue } from '../directory/queue.js';
import { AppointmentClashError, NoExpertFreeError } from './appointment.errors.js';
import { AppointmentRepository } from './appointment.repository.js';
import { firstOverlap, pickQueueExpert, type SessionTime } from './booking-rules.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Whose time a session takes: the expert picked for a queue booking, and the checks that they and the technician are free. */
@Injectable()
export class SessionSlots {
  constructor(
    private readonly appointments: AppointmentRepository,
    private readonly directory: DirectoryService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The queue's expert to book: free then, fewest sessions that day, then id (pickQueueExpert). */
  async pickFromQueue(queue: Queue, technicianId: string, time: SessionTime): Promise<string> {
    const candidates = this.directory
      .withRole('expert')
      .filter((person) => person.xassist && person.id !== technicianId)
      .filter((person) => queue.skills.every((skill) => person.skills.includes(skill)))
      .map((person) => person.id);
    const day = 86_400_000;
    const booked = await this.appointments.bookedSlots(
      this.appointments.db,
      candidates,
      time.startsAtMs - day,
      time.endsAtMs + day,
    );
    const chosen = pickQueueExpert(candidates, time, booked);
    if (chosen === null)
      throw new NoExpertFreeError(queue.id, iso(time.startsAtMs), iso(time.endsAtMs));
    return chosen;
  }

  /**
   * In the booking's transaction, under the bookings' lock: neither the expert nor the
   * technician has a session then (one person, one session at a time), and a new booking keeps
   * the technician within QUOTA_UPCOMING_SESSIONS_PER_TECHNICIAN.
   */
  async assertFree(
    trx: Transaction<BrokerDatabase>,
    people: { expertId: string; technicianId: string },
    time: SessionTime,
    exceptId?: string,
  ): Promise<void> {
    await this.appointments.lockBookings(trx);
    for (const of of ['expert', 'technician'] as const) {
      const id = of === 'expert' ? people.expertId : people.technicianId;
      const theirs = await this.appointments.bookedSlots(
        trx,
        [id],
        time.startsAtMs,
        time.endsAtMs,
        of,
      );
      const clash = firstOverlap(time, theirs, exceptId);
      if (clash)
        throw new AppointmentClashError(
          id,
          { id: clash.id, startsAt: iso(clash.startsAtMs), endsAt: iso(clash.endsAtMs) },
          of,
        );
    }
    if (exceptId !== undefined) return;
    const upcoming = await this.appointments.upcomingCount(
      trx,
      people.technicianId,
      this.clock.now(),
    );
    if (upcoming >= this.config.quotas.upcomingSessionsPerTechnician)
      throw new ConflictError(
        `${people.technicianId} has ${upcoming} sessions booked ahead, the most one technician may have (QUOTA_UPCOMING_SESSIONS_PER_TECHNICIAN); cancel one first`,
      );
  }
}
