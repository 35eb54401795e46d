import { describe, expect, it } from '@jest/globals';
import { aCallRecord, T0 } from '../../test/support/call-records.js';
import { people } from '../../test/support/people.js';
import type { Person } from '../directory/person.js';
import { factsOf } from './call-facts.js';
import { audienceOf, fallbacksOnConnect, invitesOnConnect } from './call-notices.js';
import type { CallEventRecord, CallRecord } from './call.model.js';

const event = (type: string, call: CallRecord): CallEventRecord => ({
  callId: call.id,
  seq: call.seq,
  type,
  at: T0,
  status: call.status,
  xassist: null,
});
/** A batch of `call` as committed from `before`'s status, with its facts. */
const batch = (call: CallRecord, from: CallRecord['status'], ...types: string[]) => {
  const events = types.map((type) => event(type, call));
  return { call, facts: factsOf({ ...call, status: from }, call, events) };
};
const { tom } = people;

describe('audienceOf', () => {
  it('a named call: its technician, its experts and whoever sees every call', () => {
    const call = aCallRecord();
    expect(audienceOf(batch(call, 'creating', 'status.ringing'))).toEqual({
      personIds: ['tom', 'erika', 'ed'],
      everyCall: true,
      queueWatchers: false,
    });
  });

  it('a routed call: the queue watchers while it waits and once more as it rings, then not', () => {
    const queued = aCallRecord({
      status: 'queued',
      experts: [],
      queueId: 'pumps',
      ringingAt: null,
    });
    expect(audienceOf(batch(queued, 'creating', 'status.queued')).queueWatchers).toBe(true);
    const ringing = aCallRecord({ queueId: 'pumps', experts: [aCallRecord().experts[0]] });
    expect(audienceOf(batch(ringing, 'creating', 'status.ringing'))).toMatchObject({
      personIds: ['tom', 'erika'],
      queueWatchers: true,
    });
    const joined = aCallRecord({ queueId: 'pumps', status: 'expert_joined' });
    expect(audienceOf(batch(joined, 'expert_joined', 'xassist.Join')).queueWatchers).toBe(false);
  });
});

describe('invitesOnConnect', () => {
  it("re-sends the invite of the technician's own joined calls only", () => {
    const mine = aCallRecord({ id: 'a', status: 'expert_joined', joinedExpertId: 'erika' });
    const ringing = aCallRecord({ id: 'b' });
    const other = aCallRecord({
      id: 'c',
      status: 'expert_joined',
      joinedExpertId: 'erika',
      technician: { ...aCallRecord().technician, id: 'tina' },
    });
    const invites = invitesOnConnect(tom, [mine, ringing, other], null);
    expect(invites.map((invite) => invite.call.id)).toEqual(['a']);
    const expert = { ...tom, id: 'erika', roles: ['expert'] } as Person;
    expect(invitesOnConnect(expert, [mine], null)).toEqual([]);
  });
});

describe('fallbacksOnConnect', () => {
  const meeting = (expiresAt: string) => ({
    provider: 'chatMessenger' as const,
    url: 'https://cam.example/meet/1',
    password: 'p',
    expiresAt,
  });
  const now = Date.parse(T0);
  const later = new Date(now + 60_000).toISOString();
  const earlier = new Date(now - 1).toISOString();

  it("tells the technician again of their failed calls' meetings that still work", () => {
    const open = aCallRecord({ id: 'c1', status: 'failed', fallbackMeeting: meeting(later) });
    const expired = aCallRecord({ id: 'c2', status: 'failed', fallbackMeeting: meeting(earlier) });
    const none = aCallRecord({ id: 'c3', status: 'failed' });
    expect(fallbacksOnConnect(tom, [open, expired, none], now)).toEqual([
      { call: open, meeting: meeting(later) },
    ]);
  });

  it("tells nobody else: not another technician, not an expert, not a live call's", () => {
    const failed = aCallRecord({ status: 'failed', fallbackMeeting: meeting(later) });
    const otherTech = { ...tom, id: 'tina' };
    const expert: Person = { ...tom, id: 'tom', roles: ['expert'] };
    expect(fallbacksOnConnect(otherTech, [failed], now)).toEqual([]);
    expect(fallbacksOnConnect(expert, [failed], now)).toEqual([]);
    const live = aCallRecord({ fallbackMeeting: meeting(later) });
    expect(fallbacksOnConnect(tom, [live], now)).toEqual([]);
  });
});
