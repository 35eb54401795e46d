import {
  callsStack,
  peopleDirectory,
  PUMPS,
  type CallsStack,
} from '../../test/support/calls-stack.js';
import { PEOPLE } from '../../test/support/people.js';
import { QueuePlacements } from '../calls/queue-placements.js';
import { AcceptHistory } from './accept-history.js';
import { KyselyRoutingRepository } from './kysely-routing.repository.js';
import { PresenceService } from './presence.service.js';
import { QueuePlacer } from './queue-placement.js';
import type { QueuedRequest } from './routing.model.js';
import { queuedRequestOf } from './waiting-requests.js';

/**
 * Issue 22: a request nobody could take waited with "estimate 7 s" (the queue's history divided
 * by at least one expert) and its technician was never told. On a database and a fake clock.
 */
describe('QueuePlacer', () => {
  let stack: CallsStack;
  let presence: PresenceService;
  let history: AcceptHistory;
  let sut: QueuePlacer;
  let heard: Array<{ kind: string; technicianId: string; queue: unknown }>;

  beforeEach(async () => {
    stack = await callsStack();
    const { db, calls, directory, clock, logger, bus } = stack;
    const routing = new KyselyRoutingRepository(db);
    presence = new PresenceService(routing, directory, clock, logger, bus);
    history = new AcceptHistory();
    heard = [];
    for (const kind of ['call.placed', 'call.nobody_can_take'] as const)
      bus.on(kind, 'after-commit', ({ call, technicianId }) => {
        heard.push({ kind, technicianId, queue: call.queue });
      });
    const placements = new QueuePlacements();
    sut = new QueuePlacer(calls, placements, presence, directory, history, bus, routing);
  });
  afterEach(async () => {
    presence.onModuleDestroy();
    await stack.close();
  });

  /** tom's request in `pumps` (erika's skill; ed's only by no step: PUMPS has none). */
  async function waiting(): Promise<QueuedRequest[]> {
    await stack.insertCall({ id: 'c1', experts: [], queueId: 'pumps' }, 'queued');
    const summaries = await stack.calls.queuedSummaries();
    return summaries.map(queuedRequestOf);
  }
  const place = async (requests: QueuedRequest[]) => {
    await sut.place(requests, stack.clock.now());
    await stack.bus.idle();
  };
  const kinds = () => heard.map((entry) => entry.kind);

  it('tells the technician at once that nobody can take a request, and estimates nothing', async () => {
    history.add('pumps', 7); // an earlier accept: the old code promised "7 s" from it
    const requests = await waiting();
    await place(requests);
    expect(kinds()).toEqual(['call.placed', 'call.nobody_can_take']);
    expect(heard[1]).toEqual({
      kind: 'call.nobody_can_take',
      technicianId: 'tom',
      queue: {
        id: 'pumps',
        position: 1,
        estimatedWaitSeconds: null,
        nobodyCanTake: true,
        statusLine: expect.stringMatching(
          /^Nobody can take this request now: .* ends unanswered\.$/,
        ),
      },
    });
  });

  it('estimates again once an expert can take it, and tells again when nobody can any more', async () => {
    history.add('pumps', 7);
    const requests = await waiting();
    await place(requests);
    await presence.set(stack.directory.find('erika')!, 'available');
    await place(requests);
    expect(heard.slice(2)).toEqual([
      {
        kind: 'call.placed',
        technicianId: 'tom',
        queue: {
          id: 'pumps',
          position: 1,
          estimatedWaitSeconds: 7,
          nobodyCanTake: false,
          statusLine: 'Waiting for an expert: 1 expert can take it.',
        },
      },
    ]);
    await place(requests);
    expect(heard).toHaveLength(3); // nothing changed: nothing said
    await presence.set(stack.directory.find('erika')!, 'away');
    await place(requests);
    expect(kinds().slice(3)).toEqual(['call.placed', 'call.nobody_can_take']);
  });
});

/**
 * Issue 22: the estimate divided by every pumps expert available, ed too, though ed had declined
 * this very request and can never be offered it again: "5 s" where erika alone can take it.
 */
describe('QueuePlacer: the estimate counts only who can take the request', () => {
  let stack: CallsStack;
  let presence: PresenceService;
  let routing: KyselyRoutingRepository;

  beforeEach(async () => {
    const ed = PEOPLE.find((person) => person.id === 'ed')!;
    stack = await callsStack({ directory: peopleDirectory([PUMPS], { ...ed, skills: ['pumps'] }) });
    routing = new KyselyRoutingRepository(stack.db);
    presence = new PresenceService(routing, stack.directory, stack.clock, stack.logger, stack.bus);
  });
  afterEach(async () => {
    presence.onModuleDestroy();
    await stack.close();
  });

  it('leaves out an expert who declined it', async () => {
    const history = new AcceptHistory();
    history.add('pumps', 10);
    for (const id of ['erika', 'ed']) await presence.set(stack.directory.find(id)!, 'available');
    await stack.insertCall({ id: 'c1', experts: [], queueId: 'pumps' }, 'queued');
    const requests = (await stack.calls.queuedSummaries()).map(queuedRequestOf);
    const { calls, directory, bus, clock } = stack;
    const estimate = async () => {
      const placements = new QueuePlacements();
      const placer = new QueuePlacer(calls, placements, presence, directory, history, bus, routing);
      await placer.place(requests, clock.now());
      return placements.of('c1')?.estimatedWaitSeconds;
    };
    expect(await estimate()).toBe(5); // two can take it: 10 s / 2
    const now = clock.isoNow();
    const offer = { callId: 'c1', expertId: 'ed', offeredAt: now, expiresAt: now, endedAt: null };
    await routing.insertOffers([{ ...offer, id: 'o1', status: 'pending' }]);
    await routing.decline('o1', 'ed', now);
    expect(await estimate()).toBe(10); // erika alone: 10 s / 1
  });
});
