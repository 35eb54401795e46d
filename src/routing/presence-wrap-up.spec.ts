import type { Kysely } from 'kysely';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { people } from '../../test/support/people.js';
import { migrateToLatest, openDatabase } from '../database/database.js';
import type { BrokerDatabase } from '../database/schema.js';
import { directoryFrom } from '../directory/directory.module.js';
import { EventBus } from '../events/event-bus.js';
import { KyselyRoutingRepository } from './kysely-routing.repository.js';
import { PresenceService } from './presence.service.js';
import type { ExpertPresence } from './routing.model.js';

const directory = directoryFrom({
  people: [people.erika, people.tom],
  queues: [
    { id: 'pumps', skills: ['pumps'], wrapUpSeconds: 60 },
    { id: 'quick', skills: ['pumps'] },
  ],
});
const ended = (id: string, queueId: string | null = 'pumps', status = 'ended' as const) => ({
  id,
  status,
  queueId,
});

describe('after-call work (wrap_up) on the fake clock', () => {
  let db: Kysely<BrokerDatabase>;
  let clock: FakeClock;
  let bus: EventBus;
  let changes: ExpertPresence[];
  const services: PresenceService[] = [];
  const presenceService = () => {
    const service = new PresenceService(
      new KyselyRoutingRepository(db),
      directory,
      clock,
      capturedLogger().logger,
      bus,
    );
    services.push(service);
    return service;
  };
  const standingOf = async (service: PresenceService) => (await service.standing()).get('erika');

  beforeEach(async () => {
    db = openDatabase('sqlite::memory:').db;
    await migrateToLatest(db);
    clock = new FakeClock();
    bus = new EventBus(capturedLogger().logger);
    changes = [];
    bus.on('presence.changed', 'after-commit', (changed) => void changes.push(changed.presence));
  });
  afterEach(async () => {
    for (const service of services.splice(0)) service.onModuleDestroy();
    await db.destroy();
  });

  it("is busy for the queue's wrapUpSeconds after the call ended, then free again by the timer", async () => {
    const sut = presenceService();
    await sut.set(directory.find('erika')!, 'available');
    await sut.callEnded('erika', ended('call-1'));
    expect(await standingOf(sut)).toMatchObject({ status: 'available', busy: true });
    expect(changes.at(-1)?.wrapUp).toEqual({
      callId: 'call-1',
      until: new Date(clock.now() + 60_000).toISOString(),
    });
    await clock.advance(59_999);
    expect(await standingOf(sut)).toMatchObject({ busy: true });
    await clock.advance(1);
    await sut.wrapUpsIdle();
    expect(sut.pendingWrapUps).toBe(0);
    expect(await standingOf(sut)).toMatchObject({ status: 'available', busy: false });
    // The end was told as a change, so routing routes and supervisors see it at once.
    expect(changes.at(-1)).toMatchObject({ status: 'available', wrapUp: null });
  });

  it('ends at once when the wrap-up of that call is submitted, not of another', async () => {
    const sut = presenceService();
    await sut.set(directory.find('erika')!, 'available');
    await sut.callEnded('erika', ended('call-1'));
    await sut.wrappedUp('erika', 'call-0');
    expect(await standingOf(sut)).toMatchObject({ busy: true });
    expect(sut.pendingWrapUps).toBe(1);
    await sut.wrappedUp('erika', 'call-1');
    expect(await standingOf(sut)).toMatchObject({ busy: false });
    expect(sut.pendingWrapUps).toBe(0);
    expect(changes.at(-1)).toMatchObject({ wrapUp: null });
  });

  it('is none for a queue without wrapUpSeconds, a call that named its experts, or one that never connected', async () => {
    const sut = presenceService();
    await sut.set(directory.find('erika')!, 'available');
    await sut.callEnded('erika', ended('call-1', 'quick'));
    await sut.callEnded('erika', ended('call-2', null));
    await sut.callEnded('erika', { id: 'call-3', status: 'missed', queueId: 'pumps' } as never);
    expect(await standingOf(sut)).toMatchObject({ busy: false });
    expect(sut.pendingWrapUps).toBe(0);
  });

  it('survives a restart: a new instance times what is left, and clears what ran out meanwhile', async () => {
    const before = presenceService();
    await before.set(directory.find('erika')!, 'available');
    await before.callEnded('erika', ended('call-1'));
    before.onModuleDestroy(); // the instance stops; its timer dies with it

    await clock.advance(20_000);
    const after = presenceService();
    await after.settleWrapUps();
    expect(after.pendingWrapUps).toBe(1);
    expect(await standingOf(after)).toMatchObject({ busy: true });
    await clock.advance(40_000);
    await after.wrapUpsIdle();
    expect(await standingOf(after)).toMatchObject({ busy: false });

    // Stopped past the end: the sweep clears it without a timer.
    await after.callEnded('erika', ended('call-2'));
    after.onModuleDestroy();
    clock.stepWallClock(61_000);
    const third = presenceService();
    expect(await standingOf(third)).toMatchObject({ busy: false });
    await third.settleWrapUps();
    expect(third.pendingWrapUps).toBe(0);
    expect((await new KyselyRoutingRepository(db).presenceOf('erika'))?.wrapUp).toBeNull();
  });
});
