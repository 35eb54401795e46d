import { aPerson } from '../../test/support/people.js';
import { aQueue } from '../../test/support/queues.js';
import type { Queue } from '../directory/queue.js';
import { openingHours, range, shift, weekdays } from '../../test/support/opening-hours.js';
import type { ExpertStanding, Offer, QueuedRequest } from './routing.model.js';
import { expertsWhoCanTake, planOffers } from './routing-rules.js';

// Monday 2026-11-23, 12:00 UTC: inside 08:00-17:00, unless it is a holiday.
const T0 = Date.parse('2026-11-23T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const person = aPerson;
const PEOPLE = [
  person('tom', ['technician']),
  person('erika', ['expert'], ['pumps']),
  person('ida', ['expert'], ['pumps']),
  person('max', ['expert'], ['valves']),
];
const queue = (holidays: string[]): Queue =>
  aQueue({
    maxWaitSeconds: 600,
    openingHours: openingHours({
      weekly: weekdays(range('08:00', '17:00')),
      holidays,
      outsideHours: 'on_call',
      // max has no pumps skill: on call, skills do not matter.
      onCall: { rota: [shift('max', 'mon 00:00', 'sun 24:00')], overrides: [] },
    }),
  });
const CLOSED = queue(['2026-11-23']);
const OPEN = queue([]);
const standing = new Map<string, ExpertStanding>([
  ['erika', { status: 'available', busy: false, idleSinceMs: null }],
  ['ida', { status: 'available', busy: false, idleSinceMs: null }],
  ['max', { status: 'offline', busy: true, idleSinceMs: null }],
]);
const request = (callId: string, queuedAt = at(-60)): QueuedRequest => ({
  callId,
  queueId: 'pumps',
  priority: 'normal',
  queuedAt,
  requesters: ['tom'],
});
const offer = (callId: string, expertId: string, status: Offer['status']): Offer => ({
  id: `${callId}-${expertId}`,
  callId,
  expertId,
  status,
  offeredAt: at(-10),
  expiresAt: at(500),
  endedAt: null,
});
const plan = (q: Queue, requests: QueuedRequest[], offers: Offer[] = []) =>
  planOffers({ nowMs: T0, people: PEOPLE, standing, requests, offers }, () => q);

describe('on-call routing (a closed on_call queue)', () => {
  it('offers the request to the on-call expert alone, offline and busy as they are, for the rest of the wait', () => {
    expect(plan(CLOSED, [request('c1')])).toEqual([
      { callId: 'c1', expertId: 'max', expiresAtMs: Date.parse(at(540)) },
    ]);
  });

  it('routes as usual while the queue is open', () => {
    expect(plan(OPEN, [request('c1')]).map((p) => p.expertId)).toEqual(['erika', 'ida']);
  });

  it('offers the on-call expert one request at a time, and never one they refused again', () => {
    expect(plan(CLOSED, [request('c1'), request('c2', at(-30))]).map((p) => p.callId)).toEqual([
      'c1',
    ]);
    expect(plan(CLOSED, [request('c1')], [offer('c1', 'max', 'pending')])).toEqual([]);
    expect(plan(CLOSED, [request('c1')], [offer('c1', 'max', 'declined')])).toEqual([]);
  });

  it('an offer at least one offer timeout long, when little of the wait is left', () => {
    expect(plan(CLOSED, [request('c1', at(-595))])).toEqual([
      { callId: 'c1', expertId: 'max', expiresAtMs: T0 + 20_000 },
    ]);
  });

  it('only the on-call expert can take it (the technician is told when not even they can)', () => {
    const takers = (offers: Offer[]) =>
      expertsWhoCanTake(CLOSED, PEOPLE, standing, request('c1'), offers, T0).map((p) => p.id);
    expect(takers([])).toEqual(['max']);
    expect(takers([offer('c1', 'max', 'timed_out')])).toEqual([]);
  });
});
