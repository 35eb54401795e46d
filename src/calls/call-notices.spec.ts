import { describe, expect, it } from '@jest/globals';
import { aCallRecord, T0 } from '../../test/support/call-records.js';
import { participant, people } from '../../test/support/people.js';
import type { Person } from '../directory/person.js';
import {
  audienceOf,
  fallbacksOnConnect,
  invitesOnConnect,
  noticesOfUpdate,
} from './call-notices.js';
import type { CallEventRecord, CallRecord } from './call.model.js';

const event = (type: string, call: CallRecord): CallEventRecord => ({
  callId: call.id,
  seq: call.seq,
  type,
  at: T0,
  status: call.status,
  xassist: null,
});
const { tom } = people;

describe('noticesOfUpdate', () => {
  it('rings the technician once, when the batch holds the expert joining', () => {
    const call = aCallRecord({ status: 'expert_joined', joinedExpertId: 'erika' });
    const notices = noticesOfUpdate({ call, events: [event('status.expert_joined', call)] }, null);
    expect(notices.map((notice) => notice.kind)).toEqual(['call.changed', 'technician.invite']);
    expect(notices[1]).toMatchObject({
      technicianId: 'tom',
      invite: { expert: { id: 'erika' }, xassistCallId: 'x1', joinUrl: null },
    });
  });

  it('does not ring again for later events of a joined call, nor once the technician is in', () => {
    const joined = aCallRecord({ status: 'expert_joined', joinedExpertId: 'erika' });
    expect(
      noticesOfUpdate({ call: joined, events: [event('xassist.Chat', joined)] }, null),
    ).toHaveLength(1);
    const connected = aCallRecord({ status: 'connected', joinedExpertId: 'erika' });
    const both = [event('status.expert_joined', connected), event('status.connected', connected)];
    expect(noticesOfUpdate({ call: connected, events: both }, null)).toHaveLength(1);
  });

  it('tells the technician alone of a fallback meeting, once, when it is offered', () => {
    const meeting = {
      provider: 'chatMessenger' as const,
      url: 'https://cam.example/meet/1',
      password: 'p',
      expiresAt: T0,
    };
    const call = aCallRecord({ status: 'failed', fallbackMeeting: meeting });
    const offered = noticesOfUpdate(
      { call, events: [event('status.failed', call), event('fallback.offered', call)] },
      null,
    );
    expect(offered.map((notice) => notice.kind)).toEqual(['call.changed', 'technician.fallback']);
    expect(offered[1]).toEqual({ kind: 'technician.fallback', technicianId: 'tom', meeting });
    const later = noticesOfUpdate({ call, events: [event('xassist.Chat', call)] }, null);
    expect(later.map((notice) => notice.kind)).toEqual(['call.changed']);
  });

  it('fills the join URL template with the xAssist call id', () => {
    const call = aCallRecord({ status: 'expert_joined', joinedExpertId: 'ed' });
    const [, invite] = noticesOfUpdate(
      { call, events: [event('status.expert_joined', call)] },
      'https://x.example/#/call/{callId}',
    );
    expect(invite).toMatchObject({ invite: { joinUrl: 'https://x.example/#/call/x1' } });
  });
});

describe('audienceOf', () => {
  it('a named call: its technician, its experts and whoever sees every call', () => {
    const call = aCallRecord();
    expect(audienceOf({ call, events: [event('status.ringing', call)] })).toEqual({
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
    expect(
      audienceOf({ call: queued, events: [event('status.queued', queued)] }).queueWatchers,
    ).toBe(true);
    const ringing = aCallRecord({ queueId: 'pumps', experts: [aCallRecord().experts[0]] });
    expect(audienceOf({ call: ringing, events: [event('status.ringing', ringing)] })).toMatchObject(
      { personIds: ['tom', 'erika'], queueWatchers: true },
    );
    const joined = aCallRecord({ queueId: 'pumps', status: 'expert_joined' });
    expect(
      audienceOf({ call: joined, events: [event('xassist.Join', joined)] }).queueWatchers,
    ).toBe(false);
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
      technician: participant(people.tina),
    });
    const invites = invitesOnConnect(tom, [mine, ringing, other], null);
    expect(invites.map((invite) => invite.call.id)).toEqual(['a']);
    expect(invitesOnConnect(people.erika, [mine], null)).toEqual([]);
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
    const otherTech = people.tina;
    const expert: Person = { ...tom, roles: ['expert'] };
    expect(fallbacksOnConnect(otherTech, [failed], now)).toEqual([]);
    expect(fallbacksOnConnect(expert, [failed], now)).toEqual([]);
    const live = aCallRecord({ fallbackMeeting: meeting(later) });
    expect(fallbacksOnConnect(tom, [live], now)).toEqual([]);
  });
});
