import type { AppointmentRecord } from '../../src/appointments/appointment.model.js';

/**
 * A booked session as stored: tom with erika, booked with her by name (no queue), 30 minutes
 * from `startsAt` (Europe/Berlin), sequence 0; `fields` over it.
 */
export function aBookedSession(fields: Partial<AppointmentRecord> = {}): AppointmentRecord {
  const startsAt = fields.startsAt ?? '2026-11-24T08:00:00.000Z';
  const durationMinutes = fields.durationMinutes ?? 30;
  return {
    id: '0b7f3c2e-4d1a-4f6b-9c2d-5e8a1b3c4d5e',
    status: 'booked',
    title: 'Pump 7 overhaul',
    technicianId: 'tom',
    expertId: 'erika',
    queueId: null,
    startsAt,
    endsAt: new Date(Date.parse(startsAt) + durationMinutes * 60_000).toISOString(),
    durationMinutes,
    timeZone: 'Europe/Berlin',
    callId: 'call-of-the-session',
    createdBy: 'tom',
    sequence: 0,
    cancelReason: null,
    createdAt: '2026-11-23T12:00:00.000Z',
    updatedAt: '2026-11-23T12:00:00.000Z',
    ...fields,
  };
}

/** The same session moved to `startsAt` (its next sequence), as AppointmentsService.reschedule leaves it. */
export function movedSession(before: AppointmentRecord, startsAt: string): AppointmentRecord {
  return {
    ...before,
    startsAt,
    endsAt: new Date(Date.parse(startsAt) + before.durationMinutes * 60_000).toISOString(),
    callId: `${before.callId}-moved`,
    sequence: before.sequence + 1,
  };
}

/** The same session cancelled (its next sequence). */
export function cancelledSession(before: AppointmentRecord): AppointmentRecord {
  return {
    ...before,
    status: 'cancelled',
    cancelReason: 'cancelled by tom',
    sequence: before.sequence + 1,
  };
}
