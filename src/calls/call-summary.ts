import { personRef, type PersonRef } from '../directory/person.js';
import type { CallStatus } from './call-lifecycle.js';
import type { CallRecord } from './call.model.js';
import { expertOf, type Rating, type WrapUp, type WrapUpOutcome } from './wrap-up.js';

/** Someone who was in the call, and when they joined it. */
export interface SummaryParticipant extends PersonRef {
  role: 'technician' | 'expert';
  joinedAt: string | null;
}

/**
 * One call for the work order (`GET /v1/calls/:id/summary`, the `call.wrapped_up` webhook): who
 * joined when, how long the technician waited and talked, and what came of it.
 */
export interface CallSummary {
  callId: string;
  title: string;
  externalRef: string | null;
  queueId: string | null;
  status: CallStatus;
  technician: PersonRef;
  expert: PersonRef | null;
  participants: SummaryParticipant[];
  createdAt: string;
  endedAt: string | null;
  /** From the request (its queueing, else its creation) until the expert joined; null if none did. */
  waitSeconds: number | null;
  /** From both being in the call until it ended; null when it never connected. */
  talkSeconds: number | null;
  outcome: WrapUpOutcome | null;
  firstTimeFix: boolean | null;
  wrapUp: WrapUp | null;
  rating: Rating | null;
}

const seconds = (from: string | null, to: string | null): number | null =>
  from === null || to === null
    ? null
    : Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

export function callSummaryOf(call: CallRecord): CallSummary {
  const expertId = expertOf(call);
  const expert = call.experts.find((candidate) => candidate.id === expertId);
  const participants: SummaryParticipant[] = [];
  if (expert && call.expertJoinedAt !== null)
    participants.push({ ...personRef(expert), role: 'expert', joinedAt: call.expertJoinedAt });
  if (call.connectedAt !== null)
    participants.push({
      ...personRef(call.technician),
      role: 'technician',
      joinedAt: call.connectedAt,
    });
  participants.sort((a, b) => (a.joinedAt ?? '').localeCompare(b.joinedAt ?? ''));
  return {
    callId: call.id,
    title: call.title,
    externalRef: call.externalRef,
    queueId: call.queueId,
    status: call.status,
    technician: personRef(call.technician),
    expert: expert ? personRef(expert) : null,
    participants,
    createdAt: call.createdAt,
    endedAt: call.endedAt,
    waitSeconds: seconds(call.queuedAt ?? call.createdAt, call.expertJoinedAt),
    talkSeconds: seconds(call.connectedAt, call.endedAt),
    outcome: call.wrapUp?.outcome ?? null,
    firstTimeFix: call.wrapUp?.firstTimeFix ?? null,
    wrapUp: call.wrapUp,
    rating: call.rating,
  };
}

/** An outcome in words, for people (chat pages, the printable summary). */
export const OUTCOME_WORDS: Record<WrapUpOutcome, string> = {
  resolved: 'resolved',
  follow_up: 'follow-up needed',
  escalated: 'escalated',
  not_resolved: 'not resolved',
};
