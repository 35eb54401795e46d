import type { Person } from '../directory/person.js';
import { hasRole } from '../directory/directory.service.js';
import { callInvite, type CallInvite } from './call-invite.js';
import type { CallRecord, CallUpdate } from './call.model.js';
import type { FallbackMeeting } from './fallback-meetings.js';

/**
 * Who must hear of a committed change, and whether the glasses are to join now: decided here,
 * from the change alone, so that every transport (sockets today, chat and webhooks next) only
 * delivers. Pure functions of plain data (call-notices.spec.ts).
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

export type CallNotice =
  | { kind: 'call.changed'; audience: CallAudience; update: CallUpdate }
  /** Ring the glasses: an expert has joined the xAssist call. */
  | { kind: 'technician.invite'; technicianId: string; invite: CallInvite }
  /** xAssist was out of reach: the technician may meet the experts in this web meeting. */
  | { kind: 'technician.fallback'; technicianId: string; meeting: FallbackMeeting };

export function audienceOf(update: CallUpdate): CallAudience {
  const { call, events } = update;
  const waiting = call.queueId !== null && call.ringingAt === null;
  const leftToRing = events.some((event) => event.type === 'status.ringing');
  return {
    personIds: [call.technician.id, ...call.experts.map((expert) => expert.id)],
    everyCall: true,
    queueWatchers: call.queueId !== null && (waiting || leftToRing),
  };
}

/** What one committed batch means for the people concerned. */
export function noticesOfUpdate(update: CallUpdate, joinUrlTemplate: string | null): CallNotice[] {
  const notices: CallNotice[] = [{ kind: 'call.changed', audience: audienceOf(update), update }];
  // Ring the glasses once, when the expert's Join arrives; not if the technician is already in.
  const expertJustJoined = update.events.some((event) => event.type === 'status.expert_joined');
  if (expertJustJoined && update.call.status === 'expert_joined') {
    const invite = callInvite(update.call, joinUrlTemplate);
    if (invite)
      notices.push({ kind: 'technician.invite', technicianId: update.call.technician.id, invite });
  }
  // The technician alone hears the meeting and its password; the experts get it by chat (paging).
  const fallbackOffered = update.events.some((event) => event.type === 'fallback.offered');
  if (fallbackOffered && update.call.fallbackMeeting)
    notices.push({
      kind: 'technician.fallback',
      technicianId: update.call.technician.id,
      meeting: update.call.fallbackMeeting,
    });
  return notices;
}

/**
 * The invites a person gets again on connecting: a glasses app that was offline when the expert
 * joined is rung now, while the call still waits for it.
 */
export function invitesOnConnect(
  person: Person,
  activeCalls: readonly CallUpdate['call'][],
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
