import type { Person } from '../directory/person.js';
import { hasRole } from '../directory/directory.service.js';
import { callInvite, type CallInvite } from './call-invite.js';
import type { CallCommitted } from './call-facts.js';
import type { CallRecord } from './call.model.js';
import type { FallbackMeeting } from './fallback-meetings.js';

/**
 * Who must hear of a committed change, and what a person is told again on connecting: decided
 * here, from the change's facts alone, so that every transport only delivers. Pure functions of
 * plain data (call-notices.spec.ts).
 */

/** The people a change concerns; transports map these onto their own rooms or channels. */
export interface CallAudience {
  /** The technician and the call's experts. */
  personIds: string[];
  /** Supervisors and integrations see every call. */
  everyCall: true;
  /**
   * Experts watching the queues: a routed call is theirs to see while it waits, and once more
   * when it stops waiting (accepted, rung, cancelled, unanswered), so it leaves their queue view.
   */
  queueWatchers: boolean;
}

/** Who hears of a committed batch (`call.updated`). */
export function audienceOf({ call, facts }: Pick<CallCommitted, 'call' | 'facts'>): CallAudience {
  const waiting = call.queueId !== null && call.ringingAt === null;
  const leftToRing = facts.some((fact) => fact.kind === 'status_changed' && fact.to === 'ringing');
  return {
    personIds: [call.technician.id, ...call.experts.map((expert) => expert.id)],
    everyCall: true,
    queueWatchers: call.queueId !== null && (waiting || leftToRing),
  };
}

/**
 * The invites a person gets again on connecting: a glasses app that was offline when the expert
 * joined is rung now, while the call still waits for it.
 */
export function invitesOnConnect(
  person: Person,
  activeCalls: readonly CallRecord[],
  joinUrlTemplate: string | null,
): CallInvite[] {
  if (!hasRole(person, 'technician')) return [];
  return activeCalls.flatMap((call) => {
    if (call.status !== 'expert_joined' || call.technician.id !== person.id) return [];
    return callInvite(call, joinUrlTemplate) ?? [];
  });
}

/**
 * The web meetings to tell a technician of again when they connect: call.fallback is sent once,
 * live, so glasses that were offline then would never learn of it. Their own failed calls whose
 * meeting has not expired, newest first.
 */
export function fallbacksOnConnect(
  person: Person,
  failedCalls: readonly CallRecord[],
  nowMs: number,
): { call: CallRecord; meeting: FallbackMeeting }[] {
  if (!hasRole(person, 'technician')) return [];
  return failedCalls.flatMap((call) => {
    const meeting = call.fallbackMeeting;
    if (call.status !== 'failed' || call.technician.id !== person.id || !meeting) return [];
    // A wiped password (docs/security.md, "At rest") leaves nothing worth telling.
    const live = meeting.password !== null && Date.parse(meeting.expiresAt) > nowMs;
    return live ? [{ call, meeting }] : [];
  });
}
