import type { CallStatus } from '../calls/call-lifecycle.js';
import type { CallRecord } from '../calls/call.model.js';
import { hasRole } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import type { Queue } from '../directory/queue.js';

/**
 * Callbacks (docs/routing.md, "Callbacks"): pure rules over plain data (callback-rules.spec.ts).
 * A request its queue could not answer waits as `callback_pending` for an expert to call back.
 */

const HOUR_MS = 3_600_000;

/**
 * What a request its queue could not answer becomes: a callback where the queue sets
 * `callbackOnUnanswered`, else `otherwise`. The one seam for every such outcome: max-wait passes
 * `unanswered`; a request made outside the queue's hours passes `closed` (from `creating`).
 */
export function callbackOr<S extends CallStatus>(
  queue: Pick<Queue, 'callbackOnUnanswered'> | undefined,
  otherwise: S,
): S | 'callback_pending' {
  return queue?.callbackOnUnanswered === true ? 'callback_pending' : otherwise;
}

/**
 * When a callback ends unanswered: `callbackHours` after the technician asked (queuedAt, or the
 * row's creation for a request that never queued), so that it needs no column of its own and
 * survives restarts as it is.
 */
export function callbackExpiresAtMs(
  queue: Pick<Queue, 'callbackHours'>,
  call: Pick<CallRecord, 'queuedAt' | 'createdAt'>,
): number {
  return Date.parse(call.queuedAt ?? call.createdAt) + queue.callbackHours * HOUR_MS;
}

/** Whether the callback is past its time; one whose queue left the directory is at once. */
export function callbackExpired(
  queue: Pick<Queue, 'callbackHours'> | undefined,
  call: Pick<CallRecord, 'queuedAt' | 'createdAt'>,
  nowMs: number,
): boolean {
  return !queue || nowMs >= callbackExpiresAtMs(queue, call);
}

/**
 * Why this person may not take a callback of this queue; null when they may: an expert with its
 * skills, one the queue names itself (an escalation step's `addExperts`, its on-call rota or an
 * override: they took its requests whatever their skills), or a supervisor who is an expert.
 */
export function callbackRefusal(
  person: Person,
  queue: Pick<Queue, 'skills'> & Partial<Pick<Queue, 'escalation' | 'openingHours'>>,
): string | null {
  if (!hasRole(person, 'expert'))
    return 'only experts call technicians back; leave it to an expert of this queue';
  if (!person.xassist)
    return 'you have no xAssist user in the directory, so you cannot call back; ask an administrator to add one';
  // A supervisor who is an expert too may step in for any of the floor's queues.
  if (hasRole(person, 'supervisor')) return null;
  const onCall = queue.openingHours?.onCall;
  const named = [
    ...(queue.escalation ?? []).flatMap((step) => step.addExperts),
    ...(onCall?.rota ?? []).map((shift) => shift.expertId),
    ...(onCall?.overrides ?? []).map((override) => override.expertId),
  ];
  if (named.includes(person.id)) return null;
  const missing = queue.skills.filter((skill) => !person.skills.includes(skill));
  return missing.length === 0
    ? null
    : `this callback needs the skills ${missing.join(', ')}, which you do not have; leave it to an expert who has them, or ask a supervisor`;
}
