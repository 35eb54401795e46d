import { jest } from '@jest/globals';
import { callsStack, peopleDirectory, type CallsStack } from '../../test/support/calls-stack.js';
import { RecordedSignals, SettableClusterRole } from '../../test/support/cluster-role.js';
import { QueuePlacements } from '../calls/queue-placements.js';
import type { AppConfig } from '../config/app-config.js';
import { AcceptHistory } from './accept-history.js';
import { Callbacks } from './callbacks.service.js';
import { KyselyRoutingRepository } from './kysely-routing.repository.js';
import { OfferService } from './offer.service.js';
import { PresenceService } from './presence.service.js';
import { QueueDispatcher } from './queue-dispatcher.service.js';
import { Escalations } from './escalations.js';
import { MaxWait } from './max-wait.js';
import { OfferExpiry } from './offer-expiry.js';
import { OfferLookaheads } from './offer-lookahead.js';
import { OfferRound } from './offer-round.js';
import { QueuePlacer } from './queue-placement.js';
import { RoutingLeadership } from './routing-leadership.js';
import { RoutingReactions } from './routing-reactions.js';
import { WaitingRequests } from './waiting-requests.js';

const directory = peopleDirectory([
  {
    id: 'pumps',
    skills: ['pumps'],
    strategy: 'serial',
    offerTimeoutSeconds: 20,
    maxWaitSeconds: 120,
    escalation: [{ afterSeconds: 60, notifySupervisors: true }],
  },
  {
    id: 'callbacks',
    skills: ['pumps'],
    maxWaitSeconds: 60,
    offerTimeoutSeconds: 120,
    callbackOnUnanswered: true,
    callbackHours: 2,
  },
]);
const HOUR_MS = 3_600_000;

/** The dispatcher on an in-memory database and a fake clock: every timer is the test's to move. */
describe('QueueDispatcher', () => {
  let stack: CallsStack;
  let { clock, calls } = {} as CallsStack;
  let sut: QueueDispatcher;
  let presence: PresenceService;
  let heard: Array<{ kind: string; notice: object }>;
  let role: SettableClusterRole;
  let signals: RecordedSignals;
  let expiry: OfferExpiry;

  beforeEach(async () => {
    stack = await callsStack({ directory, logLevel: 'debug' });
    const { db, logger, metrics, bus, ledger } = stack;
    ({ clock, calls } = stack);
    const repository = new KyselyRoutingRepository(db);
    presence = new PresenceService(repository, directory, clock, logger, bus);
    heard = [];
    for (const kind of ['offer.created', 'offer.ended', 'queue.escalated'] as const)
      bus.on(kind, 'after-commit', (notice) => void heard.push({ kind, notice }));
    const offers = new OfferService(repository, presence, directory, clock);
    const placements = new QueuePlacements();
    const history = new AcceptHistory();
    const config = { routing: { tickMs: 1000, offlineGraceMs: 30_000 } } as AppConfig;
    role = new SettableClusterRole(true);
    signals = new RecordedSignals();
    expiry = new OfferExpiry(offers, bus, metrics);
    sut = new QueueDispatcher(
      expiry,
      new WaitingRequests(
        calls,
        directory,
        new MaxWait(calls, ledger, metrics),
        new Escalations(calls, ledger, placements, bus),
        new Callbacks(calls, stack.creation, ledger, placements, directory),
      ),
      new OfferRound(offers, calls, placements, bus, metrics, new OfferLookaheads()),
      new QueuePlacer(calls, placements, presence, directory, history, bus, repository),
      new RoutingLeadership(role, signals),
      clock,
      config,
      logger,
    );
    // What the module's discovery wires: routing's reactions to committed changes.
    const reactions = new RoutingReactions(
      repository,
      offers,
      presence,
      sut,
      history,
      bus,
      metrics,
      clock,
    );
    bus.on('call.queued', 'after-commit', (fact) => reactions.onQueued(fact));
    bus.on('call.ended', 'after-commit', (fact) => reactions.onEnded(fact));
    bus.on('call.callback_pending', 'after-commit', (fact) => reactions.onCallbackPending(fact));
    bus.on('presence.changed', 'after-commit', (changed) => reactions.onPresence(changed));
    sut.onApplicationBootstrap();
  });
  afterEach(async () => {
    await sut.onApplicationShutdown();
    presence.onModuleDestroy();
    await stack.close();
  });

  /** A request for tom, queued now in `pumps`, as CallsService makes one. */
  async function queued(id: string) {
    await stack.insertCall({ id, experts: [], queueId: 'pumps' }, 'queued');
    await clock.advance(0);
    await sut.settled();
  }
  const statusOf = (notice: object) =>
    'offer' in notice ? (notice.offer as { status: string }).status : '';
  const kinds = () => heard.map((entry) => `${entry.kind}:${statusOf(entry.notice)}`);

  it('offers a new request at once, times the offer out on the clock, and offers no one twice', async () => {
    await presence.set(directory.find('erika')!, 'available');
    await queued('c1');
    expect(kinds()).toEqual(['offer.created:pending']);
    await clock.advance(19_000);
    await sut.settled();
    expect(kinds()).toEqual(['offer.created:pending']);
    await clock.advance(1_000);
    await sut.settled();
    expect(kinds()).toEqual(['offer.created:pending', 'offer.ended:timed_out']);
    await clock.advance(5_000);
    await sut.settled();
    expect(kinds()).toHaveLength(2);
  });

  it('runs an escalation step once, and ends the request unanswered at maxWaitSeconds', async () => {
    await queued('c2');
    await clock.advance(60_000);
    await sut.settled();
    await clock.advance(5_000);
    await sut.settled();
    expect(heard.filter((entry) => entry.kind === 'queue.escalated')).toHaveLength(1);
    expect((await calls.find('c2'))?.escalationsDone).toEqual([0]);
    await clock.advance(55_000);
    await sut.settled();
    const ended = await calls.find('c2');
    expect(ended?.status).toBe('unanswered');
    const events = (await calls.events('c2', 0, 100)).map((event) => event.type);
    expect(events).toEqual(['status.queued', 'routing.escalated', 'status.unanswered']);
  });

  describe('callbacks', () => {
    const statusOfCall = async (id: string) => (await calls.find(id))?.status;

    it('keeps a request nobody took as a callback, and ends it unanswered once callbackHours passed', async () => {
      await presence.set(directory.find('erika')!, 'available');
      await stack.insertCall({ id: 'b1', experts: [], queueId: 'callbacks' }, 'queued');
      await clock.advance(0);
      await sut.settled();
      expect(kinds()).toEqual(['offer.created:pending']);
      await clock.advance(60_000);
      await sut.settled();
      await stack.bus.idle();
      expect(await statusOfCall('b1')).toBe('callback_pending');
      // Its offer went with it: a callback is taken, never offered.
      expect(kinds()).toContain('offer.ended:rescinded');
      clock.stepWallClock(2 * HOUR_MS - 62_000);
      await clock.advance(1_000);
      await sut.settled();
      expect(await statusOfCall('b1')).toBe('callback_pending');
      await clock.advance(60_000);
      await sut.settled();
      expect(await statusOfCall('b1')).toBe('unanswered');
      const events = (await calls.events('b1', 0, 100)).map((event) => event.type);
      expect(events).toEqual(['status.queued', 'status.callback_pending', 'status.unanswered']);
    });

    it('a request to a queue without callbacks still ends unanswered', async () => {
      await queued('b2');
      await clock.advance(120_000);
      await sut.settled();
      expect(await statusOfCall('b2')).toBe('unanswered');
    });

    it('only the leader ends callbacks, and a new leader ends those past their time at once', async () => {
      role.setLeader(false);
      // Made a callback at creation (the seam a closed queue uses), three hours ago.
      await stack.insertCall({ id: 'b3', experts: [], queueId: 'callbacks' }, 'callback_pending');
      clock.stepWallClock(3 * HOUR_MS);
      await clock.advance(5_000);
      await sut.settled();
      expect(await statusOfCall('b3')).toBe('callback_pending');
      role.setLeader(true);
      await sut.settled();
      expect(await statusOfCall('b3')).toBe('unanswered');
    });
  });

  describe('with several instances', () => {
    const offersMade = () => kinds().filter((kind) => kind === 'offer.created:pending');

    it('does nothing on a tick while another instance leads, and passes its kicks on to the leader', async () => {
      role.setLeader(false);
      await presence.set(directory.find('erika')!, 'available');
      signals.published.length = 0;
      await queued('c3');
      await clock.advance(5_000);
      await sut.settled();
      expect(offersMade()).toEqual([]);
      expect(signals.published.map((signal) => signal.topic)).toContain('routing.wake');
    });

    it('routes at once on winning the leadership', async () => {
      role.setLeader(false);
      await presence.set(directory.find('erika')!, 'available');
      await queued('c4');
      expect(offersMade()).toEqual([]);
      role.setLeader(true);
      await sut.settled();
      await clock.advance(0);
      expect(offersMade()).toHaveLength(1);
    });

    it('as the leader, ticks when another instance wakes it, without waiting for the tick', async () => {
      await sut.settled();
      const ticks = jest.spyOn(expiry, 'run');
      signals.deliver('routing.wake', {});
      await sut.settled();
      expect(ticks).toHaveBeenCalledTimes(1);
      role.setLeader(false);
      signals.deliver('routing.wake', {});
      await sut.settled();
      expect(ticks).toHaveBeenCalledTimes(1);
      expect(signals.published).toEqual([]);
    });
  });
});
