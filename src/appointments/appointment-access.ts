import { hasRole } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import type { AppointmentRecord } from './appointment.model.js';
import type { AppointmentAudience } from './appointment.repository.js';

/** Who may book: a technician for themselves; a supervisor or an integration for a technician. */
export function mayBook(person: Person): boolean {
  return hasRole(person, 'technician', 'supervisor', 'integration');
}

/**
 * A booked session is seen (and moved or cancelled) by its technician, its expert, supervisors,
 * and whoever booked it (an integration sees only those it booked); anyone else gets 404.
 */
export function canSeeAppointment(
  person: Person,
  appointment: Pick<AppointmentRecord, 'technicianId' | 'expertId' | 'createdBy'>,
): boolean {
  if (hasRole(person, 'supervisor')) return true;
  return [appointment.technicianId, appointment.expertId, appointment.createdBy].includes(
    person.id,
  );
}

/** The same rule as a list's filter. */
export function audienceOf(person: Person): AppointmentAudience {
  if (hasRole(person, 'supervisor')) return { all: true };
  return { all: false, technicianId: person.id, expertId: person.id, createdBy: person.id };
}
