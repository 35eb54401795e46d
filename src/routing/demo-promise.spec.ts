import { callsStack, type CallsStack } from '../../test/support/calls-stack.js';
import { SettableClusterRole, RecordedSignals } from '../../test/support/cluster-role.js';
import { toCallView } from '../calls/call.model.js';
import { QueuePlacements } from '../calls/queue-placements.js';
import { DEMO_DIRECTORY } from '../directory/demo-directory.js';
import { directoryFrom } from '../directory/directory.module.js';
import { AcceptHistory } from './accept-history.js';
import { Callbacks } from './callbacks.service.js';
import { DEMO_ACCEPT_AFTER_MS, DemoExperts, demoExpertIds } from './demo-experts.js';
import { Escalations } from './escalations.js';
import { KyselyRoutingRepository } from './kysely-routing.repository.js';
import { MaxWait } from './max-wait.js';
import { OfferExpiry } from './offer-expiry.js';
import { OfferLookaheads } from './offer-lookahead.js';
import { OfferRound } from './offer-round.js';
import { OfferService } from './offer.service.js';
import { PresenceService } from './presence.service.js';
import { QueueDispatcher } from './queue-dispatcher.service.js';
import { QueuePlacer } from './queue-placement.js';
import { RoutedCalls } from './routed-calls.service.js';
import { RoutingLeadership } from './routing-leadership.js';
import { RoutingReactions } from './routing-reactions.js';
import { WaitingRequests } from './waiting-requests.js';

const OFFLINE_GRACE_MS = 30_000;

/**
 * Issue 22, "the demo keeps its promise": once Erika's dashboard had been closed for the offline
 * grace, the demo button's request waited forever. Demo mode's routing as RoutingModule wires it,
 * on the demo directory, an in-memory database and a fake clock.
 */
describe('the demo, every dashboard closed', () => {
  let stack: CallsStack;
  let presence: PresenceService;
  let dispatcher: QueueDispatcher;
  let demo: DemoExperts;

  beforeEach(async () => {
    const directory = directoryFrom(DEMO_DIRECTORY);
    stack = await callsStack({ directory });
    const { db, clock, logger, bus, metrics, ledger, calls, config, creation } = stack;
    expect(config.demoMode).toBe(true);
    const repository = new KyselyRoutingRepository(db);
    presence = new PresenceService(repository, directory, clock, logger, bus, {
      offlineGraceMs: OFFLINE_GRACE_MS,
      withoutGrace: demoExpertIds(config),
    });
    const offers = new OfferService(repository, presence, directory, clock);
    const placements = new QueuePlacements();
    const history = new AcceptHistory();
    dispatcher = new QueueDispatcher(
      new OfferExpiry(offers, bus, metrics),
      new WaitingRequests(
        calls,
        directory,
        new MaxWait(calls, ledger, metrics),
        new Escalations(calls, ledger, placements, bus),
        new Callbacks(calls, stack.creation, ledger, placements, directory),
      ),
      new OfferRound(offers, calls, placements, bus, metrics, new OfferLookaheads()),
      new QueuePlacer(calls, placements, presence, directory, history, bus, repository),
      new RoutingLeadership(new SettableClusterRole(true), new RecordedSignals()),
      clock,
      config,
      logger,
    );
    const reactions = new RoutingReactions(
      repository,
      offers,
      presence,
      dispatcher,
      history,
      bus,
      metrics,
      clock,
    );
    bus.on('call.queued', 'after-commit', (fact) => reactions.onQueued(fact));
    bus.on('presence.changed', 'after-commit', (changed) => reactions.onPresence(changed));
    const routed = new RoutedCalls(
      offers,
      calls,
      creation,
      placements,
      dispatcher,
      bus,
      directory,
      metrics,
    );
    demo = new DemoExperts(config, directory, presence, routed, clock, logger);
    bus.on('offer.created', 'after-commit', (notice) => demo.offered(notice));
    dispatcher.onApplicationBootstrap();
    await demo.onApplicationBootstrap();
  });
  afterEach(async () => {
    demo.onModuleDestroy();
    await dispatcher.onApplicationShutdown();
    presence.onModuleDestroy();
    await stack.close();
  });

  /** Each expert's dashboard opened and closed again, as a newcomer trying the demo does. */
  async function everyDashboardClosed(): Promise<void> {
    for (const expert of stack.directory.withRole('expert')) {
      await presence.connected(expert.id);
      await presence.disconnected(expert.id, () => false);
    }
    await stack.clock.advance(OFFLINE_GRACE_MS + 1);
    await dispatcher.settled();
  }

  it("has the demo button's request taken by a demo expert within 10 s, and says so", async () => {
    await everyDashboardClosed();
    const standing = await presence.standing();
    expect(['erika', 'ed', 'dana'].map((id) => standing.get(id)?.status)).toEqual([
      'offline',
      'offline',
      'available',
    ]);
    // What the demo button posts for a supervisor (GET /v1/session's demoCall, dashboard's
    // app.js): tom's request in the demo directory's first queue, pumps.
    await stack.insertCall(
      {
        id: 'demo',
        experts: [],
        queueId: 'pumps',
        createdBy: 'sam',
        title: 'Demo: pump 7 vibration',
      },
      'queued',
    );
    await stack.clock.advance(DEMO_ACCEPT_AFTER_MS - 1);
    await dispatcher.settled();
    expect((await stack.calls.find('demo'))?.status).toBe('queued');
    await stack.clock.advance(10_000 - (DEMO_ACCEPT_AFTER_MS - 1));
    await dispatcher.settled();
    await stack.bus.idle();
    const taken = (await stack.calls.find('demo'))!;
    expect(taken.status).toBe('ringing');
    expect(toCallView(taken).acceptedBy).toEqual({ id: 'dana', displayName: 'Dana Demo' });
    const events = await stack.calls.events('demo', 0, 100);
    expect(events.map((event) => event.type).slice(0, 4)).toEqual([
      'status.queued',
      'routing.taken_by_demo_expert',
      'status.creating',
      'status.ringing',
    ]);
  });
});
