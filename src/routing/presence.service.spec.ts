import { EventBus } from '../events/event-bus.js';
import type { Kysely } from 'kysely';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { people } from '../../test/support/people.js';
import { migrateToLatest, openDatabase } from '../database/database.js';
import type { BrokerDatabase } from '../database/schema.js';
import { directoryFrom } from '../directory/directory.module.js';
import { KyselyCallRepository } from '../calls/kysely-call.repository.js';
import { KyselyRoutingRepository } from './kysely-routing.repository.js';
import { PresenceService } from './presence.service.js';
import type { BookedSessions } from './booked-sessions.port.js';
import { RoutingOverviewService } from './routing-overview.service.js';
import type { ExpertPresence } from './routing.model.js';

const directory = directoryFrom({ people: [people.erika, people.tom] });
const GRACE_MS = 30_000;

describe('PresenceService', () => {
  let db: Kysely<BrokerDatabase>;
  let clock: FakeClock;
  let sut: PresenceService;
  let changes: ExpertPresence[];
  let socketsLeft: Set<string>;
  const stillConnected = (id: string) => socketsLeft.has(id);
  const statusOf = async (id: string) =>
    (await new KyselyRoutingRepository(db).presenceOf(id))?.status;

  beforeEach(async () => {
    db = openDatabase('sqlite::memory:').db;
    await migrateToLatest(db);
    clock = new FakeClock();
    const logger = capturedLogger().logger;
    const bus = new EventBus(logger);
    sut = new PresenceService(new KyselyRoutingRepository(db), directory, clock, logger, bus, {
      offlineGraceMs: GRACE_MS,
    });
    changes = [];
    bus.on('presence.changed', 'after-commit', (changed) => void changes.push(changed.presence));
    socketsLeft = new Set();
  });
  afterEach(async () => {
    sut.onModuleDestroy();
    await db.destroy();
  });

  it('an expert sets available and away; a technician is refused with 403', async () => {
    const erika = directory.find('erika')!;
    expect(await sut.set(erika, 'available')).toMatchObject({ status: 'available' });
    expect(await sut.set(erika, 'away')).toMatchObject({ status: 'away' });
    expect(changes.map((p) => p.status)).toEqual(['available', 'away']);
    await expect(sut.set(directory.find('tom')!, 'available')).rejects.toMatchObject({
      httpStatus: 403,
    });
  });

  it('a connect brings an offline expert back away, never straight to available', async () => {
    await sut.connected('erika');
    expect(await statusOf('erika')).toBe('away');
  });

  it('no socket for the whole grace: offline, and supervisors are told', async () => {
    await sut.set(directory.find('erika')!, 'available');
    await sut.connected('erika');
    await sut.disconnected('erika', stillConnected);
    await clock.advance(GRACE_MS - 1);
    expect(await statusOf('erika')).toBe('available');
    await clock.advance(1);
    expect(await statusOf('erika')).toBe('offline');
    expect(changes.at(-1)).toMatchObject({ status: 'offline' });
    expect(sut.pendingGraceChecks).toBe(0);
  });

  it('a reconnect within the grace changes nothing', async () => {
    await sut.set(directory.find('erika')!, 'available');
    await sut.disconnected('erika', stillConnected);
    await clock.advance(GRACE_MS - 5_000);
    await sut.connected('erika');
    await clock.advance(GRACE_MS * 2);
    expect(await statusOf('erika')).toBe('available');
    expect(changes.map((p) => p.status)).toEqual(['available']);
  });

  it('another socket still connected somewhere keeps the expert on', async () => {
    await sut.set(directory.find('erika')!, 'available');
    socketsLeft.add('erika');
    await sut.disconnected('erika', stillConnected);
    await clock.advance(GRACE_MS);
    expect(await statusOf('erika')).toBe('available');
  });

  it('a later disconnect restarts the grace', async () => {
    await sut.set(directory.find('erika')!, 'available');
    await sut.disconnected('erika', stillConnected);
    await clock.advance(20_000);
    await sut.disconnected('erika', stillConnected);
    await clock.advance(20_000);
    expect(await statusOf('erika')).toBe('available');
    await clock.advance(10_000);
    expect(await statusOf('erika')).toBe('offline');
  });

  it('after a restart, stale experts with no socket go offline; fresh ones wait out the grace', async () => {
    await sut.set(directory.find('erika')!, 'available');
    await sut.disconnected('erika', stillConnected);
    sut.onModuleDestroy(); // the instance stopped: its timer is gone
    await clock.advance(10_000);
    await sut.expireStale(stillConnected);
    expect(await statusOf('erika')).toBe('available');
    await clock.advance(GRACE_MS);
    await sut.expireStale(stillConnected);
    expect(await statusOf('erika')).toBe('offline');
  });

  it('two offer timeouts in a row set the expert away', async () => {
    await sut.set(directory.find('erika')!, 'available');
    await sut.offerEnded('erika', 'timed_out');
    expect(await statusOf('erika')).toBe('available');
    await sut.offerEnded('erika', 'timed_out');
    expect(await statusOf('erika')).toBe('away');
  });

  it('standing joins presence and idle time for routing', async () => {
    await sut.set(directory.find('erika')!, 'available');
    await clock.advance(5_000);
    await sut.callEnded('erika');
    expect((await sut.standing()).get('erika')).toEqual({
      status: 'available',
      busy: false,
      idleSinceMs: clock.now(),
      nextSessionAtMs: null,
    });
  });

  it("standing makes an expert busy from their booked session's start and gives the next start", async () => {
    const logger = capturedLogger().logger;
    const startsAtMs = clock.now() + 10 * 60_000;
    const session = { expertId: 'erika', startsAtMs, endsAtMs: startsAtMs + 30 * 60_000 };
    let callEnded = false;
    const sessions: BookedSessions = {
      near: async (nowMs: number, aheadMs: number) =>
        [{ ...session, callEnded }].filter(
          (s) => s.endsAtMs > nowMs && s.startsAtMs < nowMs + aheadMs,
        ),
    };
    const withSessions = new PresenceService(
      new KyselyRoutingRepository(db),
      directory,
      clock,
      logger,
      new EventBus(logger),
      { offlineGraceMs: GRACE_MS },
      sessions,
    );
    await withSessions.set(directory.find('erika')!, 'available');
    expect((await withSessions.standing()).get('erika')).toMatchObject({
      busy: false,
      nextSessionAtMs: startsAtMs,
    });
    await clock.advance(10 * 60_000);
    expect((await withSessions.standing()).get('erika')).toMatchObject({
      busy: true,
      nextSessionAtMs: null,
    });
    callEnded = true; // the session's call ended early: free again
    expect((await withSessions.standing()).get('erika')?.busy).toBe(false);
    withSessions.onModuleDestroy();
  });

  it('ignores sockets of people who are not experts', async () => {
    await sut.connected('tom');
    await sut.disconnected('tom', stillConnected);
    expect(await statusOf('tom')).toBeUndefined();
    expect(sut.pendingGraceChecks).toBe(0);
  });

  it('gives one expert’s view for presence.updated, and none for a non-expert', async () => {
    const overview = new RoutingOverviewService(
      directory,
      new KyselyRoutingRepository(db),
      sut,
      clock,
      new KyselyCallRepository(db),
    );
    await sut.set(directory.find('erika')!, 'available');
    expect(await overview.expert('erika')).toEqual({
      id: 'erika',
      displayName: people.erika.displayName,
      skills: ['pumps'],
      presence: 'available',
      busy: false,
      wrapUpUntil: null,
      presenceSince: clock.isoNow(),
      idleSince: clock.isoNow(),
      currentCall: null,
    });
    expect(await overview.expert('tom')).toBeUndefined();
  });
});
