import type { CallReason, CallType } from '../xassist-contract/xassist-contract.js';
import { personRef, type PersonRef } from '../directory/person.js';
import type { CallStatus } from './call-lifecycle.js';
import type { FallbackMeeting } from './fallback-meetings.js';
import type { Rating, WrapUp } from './wrap-up.js';

/** A person in a call, with the xAssist identity we match events against (never shown to clients). */
/** How urgently a routed call is wanted: `urgent` is offered first. */
export const PRIORITIES = ['normal', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Participant extends PersonRef {
  xassistUserId: string;
  xassistUserDbId: number;
}

export interface CallRecord {
  id: string;
  xassistCallId: string | null;
  status: CallStatus;
  title: string;
  reason: CallReason;
  callType: CallType;
  technician: Participant;
  experts: Participant[];
  joinedExpertId: string | null;
  failureReason: string | null;
  seq: number;
  createdBy: string;
  anonymousJoinAllowed: boolean;
  /** Free text for the expert; null when the caller gave none. */
  description: string | null;
  /** The ERP or ticket id the call is about; null when none was given. */
  externalRef: string | null;
  /** The caller's own small key/value context; empty when none was given. */
  metadata: Record<string, string>;
  /** The routing queue the caller asked; null when they named the experts. */
  queueId: string | null;
  /** `urgent` requests are offered ahead of every `normal` one of their queue. */
  priority: Priority;
  /** When the call entered its queue; null for a call that named its experts. */
  queuedAt: string | null;
  /** The expert whose accept created the xAssist call (then its only expert); null until then. */
  acceptedById: string | null;
  /**
   * A request to a queue outside its business hours (status `closed`): when the queue opens next,
   * ISO 8601 with the queue's own offset; null otherwise, and when nothing opens within 400 days.
   */
  nextOpensAt: string | null;
  /** Indexes of the queue's escalation steps already run (each runs once). */
  escalationsDone: number[];
  /**
   * The web meeting offered when xAssist could not be reached; null when none was. Its password
   * goes to the technician and the experts only (call.fallback, a chat page), never in the view.
   */
  fallbackMeeting: FallbackMeeting | null;
  /** What its expert recorded after the call (call-wrap-up.ts); null until then. */
  wrapUp: WrapUp | null;
  /** The technician's rating; null until given. */
  rating: Rating | null;
  /**
   * A booked session's call (src/appointments): when it starts, sent to xAssist as its
   * plannedDateTime; `planned` until then. Null for a call wanted now.
   */
  plannedFor: string | null;
  createdAt: string;
  ringingAt: string | null;
  expertJoinedAt: string | null;
  connectedAt: string | null;
  endedAt: string | null;
  updatedAt: string;
}

export interface CallEventRecord {
  callId: string;
  seq: number;
  /** `status.<status>`, `xassist.<Type>`, `routing.<what>`, `wrap_up.<what>` or `rating.<what>`. */
  type: string;
  at: string;
  status: CallStatus;
  xassist: Record<string, unknown> | null;
}

/** Where a queued call stands in its queue (routing computes it; it changes without a commit). */
export interface QueuePlacement {
  /** 1 for the next request to be offered; null once the call left the queue. */
  position: number | null;
  /**
   * Position x recent median time to accept / available experts; null without history, and
   * null while nobody can take the call (a number then would be a guess).
   */
  estimatedWaitSeconds: number | null;
  /** No available expert can take the call now (routing's rules); false once it left the queue. */
  nobodyCanTake: boolean;
  /** In words, for people: who can take it, or that nobody can now and what happens next. */
  statusLine: string | null;
}

export const NOT_PLACED: QueuePlacement = {
  position: null,
  estimatedWaitSeconds: null,
  nobodyCanTake: false,
  statusLine: null,
};

/**
 * The Call as the public contract shows it: the record without its internals, people as plain
 * references. `toCallView` copies field by field, so a field added to the record fails to compile
 * there until someone decides whether clients may see it.
 */
export type CallView = Omit<
  CallRecord,
  | 'technician'
  | 'experts'
  | 'createdBy'
  | 'queueId'
  | 'acceptedById'
  | 'escalationsDone'
  | 'fallbackMeeting'
  // After-call work has its own routes (the summary): notes are not in every call view.
  | 'wrapUp'
  | 'rating'
> & {
  technician: PersonRef;
  experts: PersonRef[];
  queue: ({ id: string } & QueuePlacement) | null;
  acceptedBy: PersonRef | null;
};

export type CallEventView = CallEventRecord;

export function toCallView(call: CallRecord, placement: QueuePlacement = NOT_PLACED): CallView {
  const acceptedBy = call.experts.find((expert) => expert.id === call.acceptedById);
  return {
    id: call.id,
    xassistCallId: call.xassistCallId,
    status: call.status,
    title: call.title,
    reason: call.reason,
    callType: call.callType,
    anonymousJoinAllowed: call.anonymousJoinAllowed,
    // The caller's context is the call's purpose: every viewer of the call may read it.
    description: call.description,
    externalRef: call.externalRef,
    metadata: { ...call.metadata },
    technician: personRef(call.technician),
    experts: call.experts.map(personRef),
    joinedExpertId: call.joinedExpertId,
    failureReason: call.failureReason,
    // Routing: the queue and the place in it, while queued; who accepted, once someone did.
    queue:
      call.queueId === null
        ? null
        : { id: call.queueId, ...(call.status === 'queued' ? placement : NOT_PLACED) },
    priority: call.priority,
    queuedAt: call.queuedAt,
    nextOpensAt: call.nextOpensAt,
    acceptedBy: acceptedBy ? personRef(acceptedBy) : null,
    seq: call.seq,
    plannedFor: call.plannedFor,
    createdAt: call.createdAt,
    ringingAt: call.ringingAt,
    expertJoinedAt: call.expertJoinedAt,
    connectedAt: call.connectedAt,
    endedAt: call.endedAt,
    updatedAt: call.updatedAt,
  };
}

/** One committed batch: the call as it now is and the events that got it there, in seq order. */
export interface CallUpdate {
  call: CallRecord;
  events: CallEventRecord[];
}
