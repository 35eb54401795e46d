import type { Kysely } from 'kysely';
import { aCallRecord } from '../../test/support/call-records.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { people } from '../../test/support/people.js';
import { CallChange } from '../calls/call-change.js';
import { CallLedger } from '../calls/call-ledger.service.js';
import { CallMetrics } from '../calls/call-metrics.js';
import { KyselyCallRepository } from '../calls/kysely-call.repository.js';
import { QueuePlacements } from '../calls/queue-placements.js';
import type { AppConfig } from '../config/app-config.js';
import { migrateToLatest, openDatabase } from '../database/database.js';
import type { BrokerDatabase } from '../database/schema.js';
import { directoryFrom } from '../directory/directory.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AcceptHistory } from './accept-history.js';
import { KyselyRoutingRepository } from './kysely-routing.repository.js';
import { OfferService } from './offer.service.js';
import { PresenceService } from './presence.service.js';
import { QueueDispatcher } from './queue-dispatcher.service.js';
import { EventBus } from '../events/event-bus.js';
import { Escalations } from './escalations.js';
import { MaxWait } from './max-wait.js';
import { OfferExpiry } from './offer-expiry.js';
import { OfferRound } from './offer-round.js';
import { QueuePlacer } from './queue-placement.js';
import { RoutingReactions } from './routing-reactions.js';
import { WaitingRequests } from './waiting-requests.js';

const directory = directoryFrom({
  people: [people.tom, people.erika, people.sam],
  queues: [
    {
      id: 'pumps',
      skills: ['pumps'],
      strategy: 'serial',
      offerTimeoutSeconds: 20,
      maxWaitSeconds: 120,
      escalation: [{ afterSeconds: 60, notifySupervisors: true }],
    },
  ],
});

/** The dispatcher on an in-memory database and a fake clock: every timer is the test's to move. */
describe('QueueDispatcher', () => {
  let db: Kysely<BrokerDatabase>;
  let clock: FakeClock;
  let sut: QueueDispatcher;
  let presence: PresenceService;
  let calls: KyselyCallRepository;
  let ledger: CallLedger;
  let heard: Array<{ kind: string; notice: object }>;

  beforeEach(async () => {
    db = openDatabase('sqlite::memory:').db;
    await migrateToLatest(db);
    clock = new FakeClock();
    const logger = capturedLogger().logger;
    const metrics = new MetricsService();
    const repository = new KyselyRoutingRepository(db);
    calls = new KyselyCallRepository(db);
    const bus = new EventBus(logger);
    ledger = new CallLedger(calls, bus, new CallMetrics(metrics));
    presence = new PresenceService(repository, directory, clock, logger, bus);
    heard = [];
    for (const kind of ['offer.created', 'offer.ended', 'queue.escalated'] as const)
      bus.on(kind, 'after-commit', (notice) => void heard.push({ kind, notice }));
    const offers = new OfferService(repository, presence, directory, clock);
    const placements = new QueuePlacements();
    const history = new AcceptHistory();
    const config = { routing: { tickMs: 1000, offlineGraceMs: 30_000 } } as AppConfig;
    sut = new QueueDispatcher(
      new OfferExpiry(offers, bus, metrics),
      new WaitingRequests(
        calls,
        directory,
        new MaxWait(calls, ledger, metrics),
        new Escalations(calls, ledger, placements, bus),
      ),
      new OfferRound(offers, calls, placements, bus, metrics),
      new QueuePlacer(calls, placements, presence, directory, history, bus),
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
    bus.on('presence.changed', 'after-commit', (changed) => reactions.onPresence(changed));
    sut.onApplicationBootstrap();
  });
  afterEach(async () => {
    await sut.onApplicationShutdown();
    presence.onModuleDestroy();
    await db.destroy();
  });

  /** A request for tom, queued now in `pumps`, as CallsService makes one. */
  async function queued(id: string) {
    const call = aCallRecord({
      id,
      status: 'creating',
      xassistCallId: null,
      experts: [],
      seq: 0,
      queueId: 'pumps',
      createdAt: clock.isoNow(),
      ringingAt: null,
    });
    await ledger.insert(call, null, async () => undefined);
    const change = new CallChange(call, clock.isoNow());
    change.transition('queued', { queuedAt: clock.isoNow() });
    await ledger.record(change);
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
});
