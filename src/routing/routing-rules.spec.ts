import { aPerson } from '../../test/support/people.js';
import { aQueue } from '../../test/support/queues.js';
import type { Person } from '../directory/person.js';
import type { Queue } from '../directory/queue.js';
import type { ExpertStanding, Offer, QueuedRequest } from './routing.model.js';
import {
  dueEscalationSteps,
  eligibleExperts,
  expertsWhoCanTake,
  maxWaitReached,
  nextRoutingDeadline,
  pickExperts,
  planOffers,
} from './routing-rules.js';
import { queueStatusLine } from './queue-status.js';

const T0 = Date.parse('2026-11-23T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const person = aPerson;
const PEOPLE = [
  person('tom', ['technician']),
  person('erika', ['expert'], ['pumps']),
  person('ed', ['expert'], ['pumps', 'valves']),
  person('max', ['expert'], ['valves']),
  person('sam', ['supervisor'], ['pumps']),
  person('ida', ['expert'], ['pumps']),
];
const queue = (overrides: Partial<Queue> = {}): Queue =>
  aQueue({
    maxQueued: 50,
    escalation: [
      { afterSeconds: 60, addExperts: ['max'], notifySupervisors: false },
      { afterSeconds: 120, addExperts: [], notifySupervisors: true },
    ],
    ...overrides,
  });
const available = (idleSinceMs: number | null = null): ExpertStanding => ({
  status: 'available',
  busy: false,
  idleSinceMs,
});
const allAvailable = () =>
  new Map<string, ExpertStanding>(
    ['erika', 'ed', 'max', 'ida', 'sam'].map((id) => [id, available()]),
  );
const request = (callId: string, overrides: Partial<QueuedRequest> = {}): QueuedRequest => ({
  callId,
  queueId: 'pumps',
  priority: 'normal',
  queuedAt: at(0),
  requesters: ['tom'],
  ...overrides,
});
const offer = (callId: string, expertId: string, status: Offer['status']): Offer => ({
  id: `${callId}-${expertId}`,
  callId,
  expertId,
  status,
  offeredAt: at(0),
  expiresAt: at(20),
  endedAt: status === 'pending' ? null : at(5),
});
const ids = (people: Person[]) => people.map((p) => p.id);

describe('eligibleExperts', () => {
  const eligible = (standing = allAvailable(), offers: Offer[] = [], nowSeconds = 0, q = queue()) =>
    ids(eligibleExperts(q, PEOPLE, standing, request('c1'), offers, T0 + nowSeconds * 1000));

  it('takes experts with every skill of the queue, in directory order (not the supervisor)', () => {
    expect(eligible()).toEqual(['erika', 'ed', 'ida']);
    expect(eligible(allAvailable(), [], 0, queue({ skills: ['pumps', 'valves'] }))).toEqual(['ed']);
    expect(eligible(allAvailable(), [], 0, queue({ skills: [] }))).toEqual([
      'erika',
      'ed',
      'max',
      'ida',
    ]);
  });

  it('adds the experts of an escalation step once it is reached, measured from queuedAt', () => {
    expect(eligible(allAvailable(), [], 59)).not.toContain('max');
    expect(eligible(allAvailable(), [], 60)).toEqual(['erika', 'ed', 'max', 'ida']);
  });

  it('leaves out the away, offline, unknown and busy', () => {
    const standing = allAvailable();
    standing.set('erika', { ...available(), status: 'away' });
    standing.set('ed', { ...available(), status: 'offline' });
    standing.delete('ida');
    expect(eligible(standing)).toEqual([]);
    standing.set('ida', { ...available(), busy: true });
    expect(eligible(standing)).toEqual([]);
  });

  it('never offers a request to whose it is: its technician, also an expert', () => {
    const mine = request('c1', { requesters: ['tex'] });
    // tex wears the glasses and is an expert too.
    const people = [...PEOPLE, person('tex', ['technician', 'expert'], ['pumps'])];
    const standing = new Map([...allAvailable(), ['tex', available()]]);
    const eligibleFor = (req: QueuedRequest, q = queue()) =>
      ids(eligibleExperts(q, people, standing, req, [], T0));
    expect(eligibleFor(request('c1'))).toContain('tex');
    expect(eligibleFor(mine)).toEqual(['erika', 'ed', 'ida']);
    // Not even when an escalation step names them.
    const named = queue({
      escalation: [{ afterSeconds: 0, addExperts: ['tex'], notifySupervisors: false }],
    });
    expect(eligibleFor(mine, named)).not.toContain('tex');
    expect(eligibleFor(request('c1', { requesters: ['tom', 'ida'] }))).toEqual([
      'erika',
      'ed',
      'tex',
    ]);
    const planned = planOffers({ nowMs: T0, people, standing, requests: [mine], offers: [] }, () =>
      queue(),
    );
    expect(planned.map((p) => p.expertId)).toEqual(['erika', 'ed', 'ida']);
  });

  it('never offers the call again to who declined it or let it time out', () => {
    const offers = [
      offer('c1', 'erika', 'declined'),
      offer('c1', 'ed', 'timed_out'),
      offer('c1', 'ida', 'rescinded'),
    ];
    expect(eligible(allAvailable(), offers)).toEqual(['ida']);
    expect(eligible(allAvailable(), [offer('other', 'erika', 'declined')])).toContain('erika');
  });
});

describe('pickExperts', () => {
  const eligible = PEOPLE.filter((p) => ['erika', 'ed', 'ida'].includes(p.id));
  const pick = (strategy: Queue['strategy'], offers: Offer[] = [], standing = allAvailable()) =>
    ids(pickExperts({ strategy }, eligible, offers, standing, T0));

  it('ring_all offers everyone who does not hold the offer yet', () => {
    expect(pick('ring_all')).toEqual(['erika', 'ed', 'ida']);
    expect(pick('ring_all', [offer('c1', 'ed', 'pending')])).toEqual(['erika', 'ida']);
  });

  it('serial offers the first in directory order, one at a time', () => {
    expect(pick('serial')).toEqual(['erika']);
    expect(pick('serial', [offer('c1', 'erika', 'pending')])).toEqual([]);
  });

  it('longest_idle offers whoever has been idle longest; never-idle counts as idle since now', () => {
    const standing = allAvailable();
    standing.set('erika', available(T0 - 10_000));
    standing.set('ed', available(T0 - 50_000));
    standing.set('ida', available(null));
    expect(pick('longest_idle', [], standing)).toEqual(['ed']);
    standing.set('erika', available(T0 - 50_000));
    expect(pick('longest_idle', [], standing)).toEqual(['erika']); // tie: directory order
    expect(pick('longest_idle', [offer('c1', 'ed', 'pending')], standing)).toEqual([]);
  });

  it('offers nobody once the call is accepted, whatever the strategy', () => {
    for (const strategy of ['ring_all', 'serial', 'longest_idle'] as const)
      expect(pick(strategy, [offer('c1', 'erika', 'accepted')])).toEqual([]);
  });
});

describe('escalation and limits', () => {
  it('each step falls due once, measured from queuedAt', () => {
    const q = queue();
    expect(dueEscalationSteps(q, T0, T0 + 59_999, new Set())).toEqual([]);
    expect(dueEscalationSteps(q, T0, T0 + 60_000, new Set())).toEqual([0]);
    expect(dueEscalationSteps(q, T0, T0 + 130_000, new Set([0]))).toEqual([1]);
    expect(dueEscalationSteps(q, T0, T0 + 130_000, new Set([0, 1]))).toEqual([]);
  });

  it('maxWaitSeconds ends the wait', () => {
    expect(maxWaitReached(queue(), T0, T0 + 299_999)).toBe(false);
    expect(maxWaitReached(queue(), T0, T0 + 300_000)).toBe(true);
  });

  it('the next deadline is the earliest of a pending expiry, a step not run and the end of the wait', () => {
    const pending = { ...offer('c1', 'erika', 'pending'), expiresAt: at(20) };
    expect(nextRoutingDeadline(queue(), request('c1'), [pending], new Set())).toBe(T0 + 20_000);
    expect(nextRoutingDeadline(queue(), request('c1'), [], new Set())).toBe(T0 + 60_000);
    expect(nextRoutingDeadline(queue(), request('c1'), [], new Set([0, 1]))).toBe(T0 + 300_000);
  });
});

describe('planOffers', () => {
  const plan = (requests: QueuedRequest[], offers: Offer[] = [], q = queue(), nowSeconds = 0) =>
    planOffers(
      { nowMs: T0 + nowSeconds * 1000, people: PEOPLE, standing: allAvailable(), requests, offers },
      (id) => (id === 'pumps' ? q : undefined),
    ).map(({ callId, expertId }) => `${callId}:${expertId}`);

  it('serves urgent first, then first come first served, one pending offer per expert', () => {
    const requests = [
      request('early', { queuedAt: at(0) }),
      request('late', { queuedAt: at(10) }),
      request('urgent', { queuedAt: at(20), priority: 'urgent' }),
    ];
    expect(plan(requests, [], queue({ strategy: 'serial' }), 30)).toEqual([
      'urgent:erika',
      'early:ed',
      'late:ida',
    ]);
    expect(plan(requests, [], queue(), 30)).toEqual(['urgent:erika', 'urgent:ed', 'urgent:ida']);
  });

  it('an expert holding a pending offer of another call is not offered a second one', () => {
    expect(plan([request('c2')], [offer('c1', 'erika', 'pending')])).toEqual(['c2:ed', 'c2:ida']);
  });

  it("offers nobody whose booked session starts within the queue's bookingGuardMinutes", () => {
    const standing = allAvailable();
    // erika's session starts in 10 minutes, ed's in 11; ida has none.
    standing.set('erika', { ...available(), nextSessionAtMs: T0 + 10 * 60_000 });
    standing.set('ed', { ...available(), nextSessionAtMs: T0 + 11 * 60_000 });
    const planFor = (q: Queue) =>
      planOffers(
        { nowMs: T0, people: PEOPLE, standing, requests: [request('c1')], offers: [] },
        () => q,
      ).map(({ expertId }) => expertId);
    expect(planFor(queue())).toEqual(['ed', 'ida']);
    expect(planFor(queue({ bookingGuardMinutes: 15 }))).toEqual(['ida']);
    expect(planFor(queue({ bookingGuardMinutes: 0 }))).toEqual(['erika', 'ed', 'ida']);
  });

  it('sets the expiry from the queue, skips unknown queues and requests past their wait', () => {
    const [planned] = planOffers(
      {
        nowMs: T0,
        people: PEOPLE,
        standing: allAvailable(),
        requests: [request('c1')],
        offers: [],
      },
      () => queue({ strategy: 'serial', offerTimeoutSeconds: 7 }),
    );
    expect(planned).toEqual({ callId: 'c1', expertId: 'erika', expiresAtMs: T0 + 7000 });
    expect(plan([request('c1', { queueId: 'gone' })])).toEqual([]);
    expect(plan([request('c1')], [], queue(), 300)).toEqual([]);
  });
});

describe('expertsWhoCanTake (whether the technician is told nobody can take the request)', () => {
  const canTake = (standing: Map<string, ExpertStanding>, offers: Offer[] = [], nowSeconds = 0) =>
    ids(
      expertsWhoCanTake(queue(), PEOPLE, standing, request('c1'), offers, T0 + nowSeconds * 1000),
    );
  const only = (entries: Array<[string, ExpertStanding]>) => new Map(entries);
  const away: ExpertStanding = { status: 'away', busy: false, idleSinceMs: null };
  const offline: ExpertStanding = { status: 'offline', busy: false, idleSinceMs: null };

  it('counts available experts with the skills, busy ones too (they take it after their call)', () => {
    const standing = allAvailable();
    standing.set('ed', { status: 'available', busy: true, idleSinceMs: null });
    expect(canTake(standing)).toEqual(['erika', 'ed', 'ida']);
  });

  it('is nobody when every expert with the skills is away or offline (unknown counts as offline)', () => {
    expect(
      canTake(
        only([
          ['erika', away],
          ['ed', offline],
          ['max', available()],
        ]),
      ),
    ).toEqual([]);
    expect(canTake(new Map())).toEqual([]);
  });

  it('leaves out who declined the request or let it time out, and its own technician', () => {
    const standing = only([
      ['erika', available()],
      ['ed', available()],
    ]);
    expect(
      canTake(standing, [offer('c1', 'erika', 'declined'), offer('c1', 'ed', 'timed_out')]),
    ).toEqual([]);
    const tex = person('tex', ['technician', 'expert'], ['pumps']);
    const own = request('c1', { requesters: ['tex'] });
    const texAvailable = only([['tex', available()]]);
    expect(expertsWhoCanTake(queue(), [tex], texAvailable, own, [], T0)).toEqual([]);
  });

  it('counts an expert an escalation step added once the step is reached', () => {
    const standing = only([['max', available()]]);
    expect(canTake(standing, [], 59)).toEqual([]);
    expect(canTake(standing, [], 60)).toEqual(['max']);
  });
});

describe('queueStatusLine', () => {
  it('says how many can take it, or that nobody can now and what happens next', () => {
    const q = { name: 'Pumps', maxWaitSeconds: 300 };
    expect(queueStatusLine(q, T0, 2)).toBe('Waiting for an expert: 2 experts can take it.');
    expect(queueStatusLine(q, T0, 1)).toBe('Waiting for an expert: 1 expert can take it.');
    expect(queueStatusLine(q, T0, 0)).toBe(
      'Nobody can take this request now: no available expert of the queue "Pumps" can take it. It stays ' +
        'queued and is offered as soon as an expert who can take it becomes available; if nobody ' +
        `has taken it by ${at(300)}, it ends unanswered.`,
    );
  });
  it('outside hours, names the on-call expert being paged', () => {
    const q = { name: 'Pumps', maxWaitSeconds: 300 };
    expect(queueStatusLine(q, T0, 1, 'Max Expert')).toBe(
      `The queue "Pumps" is closed now: Max Expert, on call, is paged. If nobody has taken it by ${at(300)}, it ends unanswered.`,
    );
  });

  it('in a queue with callbacks, says that an expert will call back instead', () => {
    const q = { name: 'Pumps', maxWaitSeconds: 300, callbackOnUnanswered: true };
    expect(queueStatusLine(q, T0, 0)).toMatch(
      new RegExp(`if nobody has taken it by ${at(300)}, an expert will call you back\\.$`),
    );
  });
});
