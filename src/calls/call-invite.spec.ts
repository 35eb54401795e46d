import type { CallRecord } from './call.model.js';
import { callInvite } from './call-invite.js';

const T0 = '2026-11-23T10:00:00.000Z';
const erika = { id: 'erika', displayName: 'Erika', xassistUserId: 'erika', xassistUserDbId: 8 };
const ed = { id: 'ed', displayName: 'Ed', xassistUserId: 'ed', xassistUserDbId: 9 };

function joinedCall(overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    id: 'c1',
    xassistCallId: 'e76e1d8a-6d1c-4b0e-9a55-0d4f3c1e2b7a',
    status: 'expert_joined',
    title: 'Pump 7',
    reason: 'STANDARD',
    callType: 'SFU',
    technician: { id: 'tom', displayName: 'Tom', xassistUserId: 'tom', xassistUserDbId: 12 },
    experts: [erika, ed],
    joinedExpertId: 'ed',
    failureReason: null,
    seq: 4,
    createdBy: 'tom',
    anonymousJoinAllowed: false,
    description: null,
    externalRef: null,
    metadata: {},
    createdAt: T0,
    ringingAt: T0,
    expertJoinedAt: T0,
    connectedAt: null,
    endedAt: null,
    updatedAt: T0,
    ...overrides,
  };
}

describe('callInvite', () => {
  it('names the expert who joined and the xAssist call to join', () => {
    const invite = callInvite(joinedCall(), null);
    expect(invite).toMatchObject({
      expert: { id: 'ed', displayName: 'Ed' },
      xassistCallId: 'e76e1d8a-6d1c-4b0e-9a55-0d4f3c1e2b7a',
      joinUrl: null,
      call: { id: 'c1', status: 'expert_joined' },
    });
    // The public view only: no xAssist user ids of the people.
    expect(invite?.expert).toEqual({ id: 'ed', displayName: 'Ed' });
    expect(JSON.stringify(invite)).not.toContain('xassistUserDbId');
  });

  it('fills the join URL template with the xAssist call id', () => {
    const invite = callInvite(joinedCall(), 'https://host/acme/#/call/{callId}');
    expect(invite?.joinUrl).toBe('https://host/acme/#/call/e76e1d8a-6d1c-4b0e-9a55-0d4f3c1e2b7a');
  });

  it('escapes an xAssist call id that is not URL-safe, everywhere the template asks for it', () => {
    const invite = callInvite(
      joinedCall({ xassistCallId: 'a/b?c#d' }),
      'https://host/join?call={callId}&again={callId}',
    );
    expect(invite?.joinUrl).toBe('https://host/join?call=a%2Fb%3Fc%23d&again=a%2Fb%3Fc%23d');
  });

  it('is null while no expert has joined or there is no xAssist call', () => {
    expect(callInvite(joinedCall({ joinedExpertId: null, status: 'ringing' }), null)).toBeNull();
    expect(callInvite(joinedCall({ xassistCallId: null }), null)).toBeNull();
  });
});
