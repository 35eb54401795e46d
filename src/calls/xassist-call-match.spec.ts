import type { CallLog } from '../xassist-contract/xassist-contract.js';
import {
  createdTimeOf,
  fingerprintOf,
  matchCreatedCall,
  type CreationFingerprint,
} from './xassist-call-match.js';
import { aCallRecord } from '../../test/support/call-records.js';
import { participant, people } from '../../test/support/people.js';

const CREATED = Date.parse('2025-03-01T10:00:00.000Z');

const FINGERPRINT: CreationFingerprint = {
  creatorUserDbId: 12,
  title: 'Pump 7 vibration',
  invitedUserDbIds: [8, 1],
  since: CREATED - 1000,
  until: CREATED + 5000,
};

function log(callId: string, overrides: Partial<CallLog> = {}): CallLog {
  return {
    id: 800,
    callId,
    callStatus: 'Planned',
    title: 'Pump 7 vibration',
    creatorContact: { userDbId: 12, userId: 'tom' },
    invitedContacts: [
      { userDbId: 1, userId: 'broker' },
      { userDbId: 8, userId: 'erika' },
    ],
    callEvents: [{ id: 600, type: 'Created', time: new Date(CREATED + 200).toISOString() }],
    ...overrides,
  };
}

describe('matchCreatedCall', () => {
  it('adopts the one call with the same creator, title, invited set and time', () => {
    const outcome = matchCreatedCall(FINGERPRINT, [log('a')], new Set());
    expect(outcome).toEqual({ kind: 'one', log: log('a') });
  });

  it('finds nothing when the creator, title, invitees or time differ', () => {
    const others = [
      log('creator', { creatorContact: { userDbId: 13 } }),
      log('title', { title: 'Pump 7 vibration ' }),
      log('fewer', { invitedContacts: [{ userDbId: 1 }] }),
      log('more', { invitedContacts: [{ userDbId: 1 }, { userDbId: 8 }, { userDbId: 9 }] }),
      log('other', { invitedContacts: [{ userDbId: 1 }, { userDbId: 9 }] }),
      log('early', { callEvents: [{ id: 1, type: 'Created', time: CREATED - 1001 }] }),
      log('late', { callEvents: [{ id: 1, type: 'Created', time: CREATED + 5001 }] }),
    ];
    expect(matchCreatedCall(FINGERPRINT, others, new Set())).toEqual({ kind: 'none' });
  });

  it('skips xAssist calls already linked to another broker call', () => {
    const outcome = matchCreatedCall(
      FINGERPRINT,
      [log('linked'), log('free')],
      new Set(['linked']),
    );
    expect(outcome).toEqual({ kind: 'one', log: log('free') });
  });

  it('calls several fitting calls ambiguous, and counts a call listed twice once', () => {
    expect(matchCreatedCall(FINGERPRINT, [log('a'), log('a')], new Set())).toMatchObject({
      kind: 'one',
    });
    expect(matchCreatedCall(FINGERPRINT, [log('a'), log('b')], new Set())).toEqual({
      kind: 'several',
      xassistCallIds: ['a', 'b'],
    });
  });

  it('compares invited contacts as a set: order does not matter', () => {
    const reordered = log('a', { invitedContacts: [{ userDbId: 8 }, { userDbId: 1 }] });
    expect(matchCreatedCall(FINGERPRINT, [reordered], new Set()).kind).toBe('one');
  });

  it('lets a log without any time through the window (the other fields must still fit)', () => {
    const timeless = log('a', { callEvents: [{ id: 1, type: 'Created' }] });
    expect(createdTimeOf(timeless)).toBeUndefined();
    expect(matchCreatedCall(FINGERPRINT, [timeless], new Set()).kind).toBe('one');
  });
});

describe('fingerprintOf', () => {
  it('invites the experts and the connector, in a window around when the creation started', () => {
    const call = aCallRecord({
      title: 'Pump 7 vibration',
      createdAt: new Date(CREATED).toISOString(),
      updatedAt: new Date(CREATED).toISOString(),
      experts: [participant(people.erika)],
    });
    expect(fingerprintOf(call, 1, 4000, 1000)).toEqual(FINGERPRINT);
    // An accept ten minutes after the request: the window is the accept's.
    const accepted = { ...call, updatedAt: new Date(CREATED + 600_000).toISOString() };
    expect(fingerprintOf(accepted, 1, 4000, 1000)).toMatchObject({
      since: FINGERPRINT.since + 600_000,
      until: FINGERPRINT.until + 600_000,
    });
  });
});
