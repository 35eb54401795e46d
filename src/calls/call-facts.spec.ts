import { describe, expect, it } from '@jest/globals';
import { aCallRecord, T0 } from '../../test/support/call-records.js';
import { committedEvents, factsOf } from './call-facts.js';
import type { CallStatus } from './call-lifecycle.js';
import type { CallEventRecord, CallRecord } from './call.model.js';

let seq = 0;
const event = (type: string, status: CallStatus, at = T0): CallEventRecord => ({
  callId: 'c1',
  seq: ++seq,
  type,
  at,
  status,
  xassist: null,
});
const kinds = (before: CallRecord, call: CallRecord, events: CallEventRecord[]) =>
  factsOf(before, call, events).map((fact) => fact.kind);

describe('factsOf', () => {
  it('names each status change with where it came from', () => {
    const before = aCallRecord({ status: 'ringing' });
    const call = aCallRecord({ status: 'connected', joinedExpertId: 'erika' });
    const facts = factsOf(before, call, [
      event('status.expert_joined', 'expert_joined'),
      event('xassist.Chat', 'expert_joined'),
      event('status.connected', 'connected'),
    ]);
    expect(
      facts.flatMap((fact) => (fact.kind === 'status_changed' ? [[fact.from, fact.to]] : [])),
    ).toEqual([
      ['ringing', 'expert_joined'],
      ['expert_joined', 'connected'],
    ]);
  });

  it('the invite is due when the expert joins and the call still waits for the glasses', () => {
    const joined = aCallRecord({ status: 'expert_joined', joinedExpertId: 'erika' });
    expect(kinds(aCallRecord(), joined, [event('status.expert_joined', 'expert_joined')])).toEqual([
      'status_changed',
      'expert_joined',
    ]);
    // Already connected in the same batch: the technician is in, nobody rings.
    const connected = aCallRecord({ status: 'connected', joinedExpertId: 'erika' });
    const both = [
      event('status.expert_joined', 'expert_joined'),
      event('status.connected', 'connected'),
    ];
    expect(kinds(aCallRecord(), connected, both)).not.toContain('expert_joined');
    // Later events of a joined call say nothing new.
    expect(kinds(joined, joined, [event('xassist.Chat', 'expert_joined')])).toEqual([]);
  });

  it('accepted only when an expert took the call from its queue, with how long it waited', () => {
    const queuedAt = T0;
    const before = aCallRecord({ status: 'queued', queueId: 'pumps', queuedAt, experts: [] });
    const taken = aCallRecord({ status: 'creating', queueId: 'pumps', queuedAt });
    const at = new Date(Date.parse(T0) + 12_000).toISOString();
    const facts = factsOf(before, taken, [event('status.creating', 'creating', at)]);
    expect(facts[1]).toMatchObject({ kind: 'accepted', queueId: 'pumps', waitedSeconds: 12 });
    // Back in the queue after a failed accept: queued again, never accepted.
    const back = aCallRecord({ status: 'queued', queueId: 'pumps', queuedAt, experts: [] });
    expect(
      kinds(taken, back, [
        event('routing.accept_failed', 'creating'),
        event('status.queued', 'queued'),
      ]),
    ).toEqual(['status_changed', 'queued']);
  });

  it('ends once, with the end status; escalations and fallback meetings are facts of their own', () => {
    const meeting = {
      provider: 'chatMessenger' as const,
      url: 'https://cam.example/meet/1',
      password: 'p',
      expiresAt: T0,
    };
    const failed = aCallRecord({ status: 'failed', fallbackMeeting: meeting });
    const facts = factsOf(aCallRecord({ status: 'creating' }), failed, [
      event('status.failed', 'failed'),
      event('fallback.offered', 'failed'),
    ]);
    expect(facts.map((fact) => fact.kind)).toEqual(['status_changed', 'ended', 'fallback_offered']);
    expect(facts[1]).toMatchObject({ status: 'failed' });
    expect(facts[2]).toMatchObject({ meeting });
    const queued = aCallRecord({ status: 'queued', queueId: 'pumps' });
    expect(kinds(queued, queued, [event('routing.escalated', 'queued')])).toEqual(['escalated']);
  });
});

describe('committedEvents', () => {
  it('the batch first, then each fact on its own, in order', () => {
    const joined = aCallRecord({ status: 'expert_joined', joinedExpertId: 'erika' });
    const events = committedEvents(aCallRecord(), joined, [
      event('status.expert_joined', 'expert_joined'),
    ]);
    expect(events.map((each) => each.name)).toEqual(['call.committed', 'call.expert_joined']);
    expect(events[1].payload).toMatchObject({ call: joined, kind: 'expert_joined' });
  });
});
