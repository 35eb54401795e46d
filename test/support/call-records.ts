import type { CallRecord } from '../../src/calls/call.model.js';

export const T0 = '2026-11-22T10:00:00.000Z';

/** A call ringing two experts (erika, ed) for tom since T0; override what a test is about. */
export function ringingCall(overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    id: 'c1',
    xassistCallId: 'x1',
    status: 'ringing',
    title: 't',
    reason: 'STANDARD',
    callType: 'SFU',
    technician: { id: 'tom', displayName: 'Tom', xassistUserId: 'tom', xassistUserDbId: 12 },
    experts: [
      { id: 'erika', displayName: 'Erika', xassistUserId: 'erika', xassistUserDbId: 8 },
      { id: 'ed', displayName: 'Ed', xassistUserId: 'ed', xassistUserDbId: 9 },
    ],
    joinedExpertId: null,
    failureReason: null,
    seq: 2,
    createdBy: 'tom',
    anonymousJoinAllowed: false,
    description: null,
    externalRef: null,
    metadata: {},
    queueId: null,
    priority: 'normal',
    queuedAt: null,
    acceptedById: null,
    escalationsDone: [],
    fallbackMeeting: null,
    createdAt: T0,
    ringingAt: T0,
    expertJoinedAt: null,
    connectedAt: null,
    endedAt: null,
    updatedAt: T0,
    ...overrides,
  };
}
