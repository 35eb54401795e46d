import type { PersonRef } from '../directory/person.js';
import { localTimeOf } from './booking-rules.js';

export const APPOINTMENT_STATUSES = ['booked', 'cancelled'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** A booked session as stored (appointments table); times ISO-8601 UTC. */
export interface AppointmentRecord {
  id: string;
  status: AppointmentStatus;
  title: string;
  technicianId: string;
  expertId: string;
  /** The queue it was booked through; null when its expert was named. */
  queueId: string | null;
  startsAt: string;
  endsAt: string;
  durationMinutes: number;
  timeZone: string;
  /** Its current call (status planned until the start). A reschedule makes a new one. */
  callId: string;
  createdBy: string;
  /** iCalendar SEQUENCE: one more per reschedule and for the cancel; the UID stays. */
  sequence: number;
  cancelReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The public shape (schema `Appointment`, appointment-schemas.ts). */
export interface AppointmentView {
  id: string;
  status: AppointmentStatus;
  title: string;
  technician: PersonRef;
  expert: PersonRef;
  queueId: string | null;
  startsAt: string;
  endsAt: string;
  /** startsAt as local time in timeZone, with its offset. */
  localStartsAt: string;
  durationMinutes: number;
  timeZone: string;
  callId: string;
  sequence: number;
  cancelReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toAppointmentView(
  appointment: AppointmentRecord,
  person: (id: string) => PersonRef,
): AppointmentView {
  return {
    id: appointment.id,
    status: appointment.status,
    title: appointment.title,
    technician: person(appointment.technicianId),
    expert: person(appointment.expertId),
    queueId: appointment.queueId,
    startsAt: appointment.startsAt,
    endsAt: appointment.endsAt,
    localStartsAt: localTimeOf(Date.parse(appointment.startsAt), appointment.timeZone),
    durationMinutes: appointment.durationMinutes,
    timeZone: appointment.timeZone,
    callId: appointment.callId,
    sequence: appointment.sequence,
    cancelReason: appointment.cancelReason,
    createdAt: appointment.createdAt,
    updatedAt: appointment.updatedAt,
  };
}
