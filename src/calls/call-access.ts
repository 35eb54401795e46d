import { hasRole } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import type { CallRecord } from './call.model.js';

/** Supervisors and integrations see every call. */
export function seesEveryCall(person: Person): boolean {
  return hasRole(person, 'supervisor', 'integration');
}

/** A technician sees their own calls, an expert the calls they are invited to. */
export function canSeeCall(
  person: Person,
  call: Pick<CallRecord, 'technician' | 'experts'>,
): boolean {
  if (seesEveryCall(person)) return true;
  if (hasRole(person, 'technician') && call.technician.id === person.id) return true;
  return hasRole(person, 'expert') && call.experts.some((expert) => expert.id === person.id);
}
