import type { CallRecord } from '../../src/calls/call.model.js';
import { participant, people } from './people.js';

export const T0 = '2026-11-22T10:00:00.000Z';

/**
 * The one CallRecord builder of the specs: a call ringing two experts (erika, ed) for tom since
 * T0, people from ./people.ts; override what a test is about.
 */
export function aCallRecord(overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    id: 'c1',
    xassistCallId: 'x1',
    status: 'ringing',
    title: 't',
    reason: 'STANDARD',
    callType: 'SFU',
    technician: participant(people.tom),
    experts: [participant(people.erika), participant(people.ed)],
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
    nextOpensAt: null,
    escalationsDone: [],
    fallbackMeeting: null,
    wrapUp: null,
    rating: null,
    plannedFor: null,
    createdAt: T0,
    ringingAt: T0,
    expertJoinedAt: null,
    connectedAt: null,
    endedAt: null,
    updatedAt: T0,
    ...overrides,
  };
}

/**
 * A call just inserted as `creating` at `at` (no xAssist call yet, seq 0), as CallsService leaves
 * it: the rest as aCallRecord has it, `overrides` over all.
 */
export function aCreatingCall(at: string, overrides: Partial<CallRecord> = {}): CallRecord {
  return aCallRecord({
    xassistCallId: null,
    status: 'creating',
    seq: 0,
    createdAt: at,
    ringingAt: null,
    updatedAt: at,
    ...overrides,
  });
}
