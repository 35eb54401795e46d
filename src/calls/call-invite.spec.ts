import type { CallRecord } from './call.model.js';
import { callInvite } from './call-invite.js';
import { aCallRecord, T0 } from '../../test/support/call-records.js';

const XASSIST_CALL_ID = 'e76e1d8a-6d1c-4b0e-9a55-0d4f3c1e2b7a';

function joinedCall(overrides: Partial<CallRecord> = {}): CallRecord {
  return aCallRecord({
    xassistCallId: XASSIST_CALL_ID,
    status: 'expert_joined',
    joinedExpertId: 'ed',
    expertJoinedAt: T0,
    seq: 4,
    ...overrides,
  });
}

describe('callInvite', () => {
  it('names the expert who joined and the xAssist call to join', () => {
    const invite = callInvite(joinedCall(), null);
    expect(invite).toMatchObject({
      expert: { id: 'ed', displayName: 'Ed Expert' },
      xassistCallId: XASSIST_CALL_ID,
      joinUrl: null,
      call: { id: 'c1', status: 'expert_joined' },
    });
    // The public view only: no xAssist user ids of the people.
    expect(invite?.expert).toEqual({ id: 'ed', displayName: 'Ed Expert' });
    expect(JSON.stringify(invite)).not.toContain('xassistUserDbId');
  });

  it('fills the join URL template with the xAssist call id', () => {
    const invite = callInvite(joinedCall(), 'https://host/acme/#/call/{callId}');
    expect(invite?.joinUrl).toBe(`https://host/acme/#/call/${XASSIST_CALL_ID}`);
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
