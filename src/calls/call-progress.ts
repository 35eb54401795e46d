import type { CallEvent, CallLog, CallLogContact } from '../xassist-contract/xassist-contract.js';
import { isEnded } from './call-lifecycle.js';
import { CallChange } from './call-change.js';
import type { CallRecord, Participant } from './call.model.js';
import { FAILURE_REASON } from './call.errors.js';
import { seenKeyOf } from './xassist-event-bounds.js';

export interface LifecycleTimeouts {
  expertAnswerMs: number;
  technicianJoinMs: number;
}

type Who = { role: 'expert'; expert: Participant } | { role: 'technician' } | { role: 'other' };

function matches(
  contact: Partial<CallLogContact> | null | undefined,
  person: Participant,
): boolean {
  if (!contact) return false;
  if (contact.userDbId !== undefined && contact.userDbId !== null)
    return Number(contact.userDbId) === person.xassistUserDbId;
  return contact.userId === person.xassistUserId;
}

function identify(call: CallRecord, contact: Partial<CallLogContact> | null | undefined): Who {
  if (matches(contact, call.technician)) return { role: 'technician' };
  const expert = call.experts.find((candidate) => matches(contact, candidate));
  return expert ? { role: 'expert', expert } : { role: 'other' };
}

function contactKey(contact: Partial<CallLogContact> | null | undefined): string {
  return String(contact?.userDbId ?? contact?.userId ?? 'anonymous');
}

/**
 * Applies what a fresh CallLog says to the call: every event not seen before (by id, whatever its
 * type) is recorded, and Join/Leave/Ended move the status through the state machine.
 */
export function applyCallLog(change: CallChange, log: CallLog, seen: ReadonlySet<string>): void {
  const call = change.call;
  const present = new Set<string>();
  let technicianPresent = false;
  let anyoneJoined = false;
  // Whatever xAssist sends: only objects are events, ordered by id.
  const events = log.callEvents
    .filter((event) => typeof event === 'object' && event !== null)
    .sort((a, b) => Number(a.id) - Number(b.id));
  const takenNow = new Set<string>();

  for (const event of events) {
    const who = identify(call, event.contact);
    if (event.type === 'Join') {
      present.add(contactKey(event.contact));
      anyoneJoined ||= who.role !== 'other';
      if (who.role === 'technician') technicianPresent = true;
    } else if (event.type === 'Leave') {
      present.delete(contactKey(event.contact));
      if (who.role === 'technician') technicianPresent = false;
    }
    const key = seenKeyOf(event.id);
    if (seen.has(key) || takenNow.has(key)) continue; // a repeated id is one event
    takenNow.add(key);

    change.recordXAssistEvent(event as CallEvent & Record<string, unknown>);
    if (event.type !== 'Join' || isEnded(call.status)) continue;
    // A booked session's expert who comes early starts it: the glasses ring once they joined.
    if (who.role === 'expert' && call.status === 'planned') change.transition('ringing');
    if (who.role === 'expert' && call.status === 'ringing') {
      change.transition('expert_joined', { joinedExpertId: who.expert.id });
    }
    if (technicianPresent && call.status === 'expert_joined') change.transition('connected');
  }

  if (isEnded(call.status)) return;
  const everyoneGone = anyoneJoined && present.size === 0;
  const waiting = call.status === 'ringing' || call.status === 'planned';
  if (log.callStatus === 'Ended' || (everyoneGone && !waiting)) change.transition('ended');
}

/**
 * When the call's current wait runs out, or null when nothing is waited for. A booked session's
 * call waits for its start.
 */
export function deadlineOf(call: CallRecord, timeouts: LifecycleTimeouts): number | null {
  if (call.status === 'planned' && call.plannedFor) return Date.parse(call.plannedFor);
  if (call.status === 'ringing' && call.ringingAt)
    return Date.parse(call.ringingAt) + timeouts.expertAnswerMs;
  if (call.status === 'expert_joined' && call.expertJoinedAt) {
    return Date.parse(call.expertJoinedAt) + timeouts.technicianJoinMs;
  }
  return null;
}

/**
 * No expert in time: `unanswered`; an expert but no technician in time: `missed`; a booked
 * session's start: `ringing` (from then on it is followed and timed like any ringing call).
 */
export function applyDeadline(change: CallChange, now: number, timeouts: LifecycleTimeouts): void {
  const deadline = deadlineOf(change.call, timeouts);
  if (deadline === null || now < deadline) return;
  if (change.call.status === 'planned') return change.transition('ringing');
  change.transition(change.call.status === 'ringing' ? 'unanswered' : 'missed');
}

/** After `limit` answers of 404 in a row xAssist has forgotten the call: it can only be `failed`. */
export function applyVanished(change: CallChange, notFoundInARow: number, limit: number): void {
  if (notFoundInARow < limit || isEnded(change.call.status)) return;
  change.transition('failed', {
    failureReason: `${FAILURE_REASON.vanished}: getCallLogById answered 404 ${notFoundInARow} times in a row`,
  });
}
