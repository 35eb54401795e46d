import { hasRole } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import type { CallRecord } from './call.model.js';

/** Supervisors and integrations see every call. */
export function seesEveryCall(person: Person): boolean {
  return hasRole(person, 'supervisor', 'integration');
}

/** Experts see the requests waiting in the queues, so that they can take one. */
export function seesQueuedCalls(person: Person): boolean {
  return hasRole(person, 'expert');
}

/**
 * A technician sees their own calls; an expert the calls they are invited to, and the queues'
 * requests (isQueueWatchable).
 */
export function canSeeCall(
  person: Person,
  call: Pick<CallRecord, 'technician' | 'experts' | 'status' | 'queueId'>,
): boolean {
  if (seesEveryCall(person)) return true;
  if (hasRole(person, 'technician') && call.technician.id === person.id) return true;
  if (!hasRole(person, 'expert')) return false;
  return isQueueWatchable(call) || call.experts.some((expert) => expert.id === person.id);
}

/**
 * What the experts watching the queues see: requests waiting, callbacks waiting for an expert,
 * and those nobody took (unanswered with no expert), so that one of them can call back.
 */
export function isQueueWatchable(
  call: Pick<CallRecord, 'status' | 'queueId' | 'experts'>,
): boolean {
  if (call.status === 'queued' || call.status === 'callback_pending') return true;
  return call.status === 'unanswered' && call.queueId !== null && call.experts.length === 0;
}

/**
 * Who joins the call's xAssist call, and so may have its join URL: its technician (the glasses)
 * and its experts (invited, or the one who accepted it from a queue). Supervisors, integrations
 * and experts watching the queue see the call but join nothing (docs/api.md).
 */
export function joinsCall(
  person: Person,
  call: Pick<CallRecord, 'technician' | 'experts'>,
): boolean {
  return call.technician.id === person.id || call.experts.some((expert) => expert.id === person.id);
}
