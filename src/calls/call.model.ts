import type { CallReason, CallType } from '../xassist-contract/xassist-contract.js';
import { personRef, type PersonRef } from '../directory/person.js';
import type { CallStatus } from './call-lifecycle.js';

/** A person in a call, with the xAssist identity we match events against (never shown to clients). */
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
  /** `status.<status>` or `xassist.<Type>`. */
  type: string;
  at: string;
  status: CallStatus;
  xassist: Record<string, unknown> | null;
}

/**
 * The Call as the public contract shows it: the record without its internals, people as plain
 * references. `toCallView` copies field by field, so a field added to the record fails to compile
 * there until someone decides whether clients may see it.
 */
export type CallView = Omit<CallRecord, 'technician' | 'experts' | 'createdBy'> & {
  technician: PersonRef;
  experts: PersonRef[];
};

export type CallEventView = CallEventRecord;

export function toCallView(call: CallRecord): CallView {
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
    seq: call.seq,
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
