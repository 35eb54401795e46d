import { EventBus } from '../events/event-bus.js';
import type { Kysely } from 'kysely';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { people } from '../../test/support/people.js';
import { migrateToLatest, openDatabase } from '../database/database.js';
import type { BrokerDatabase } from '../database/schema.js';
import { directoryFrom } from '../directory/directory.module.js';
import { KyselyRoutingRepository } from './kysely-routing.repository.js';
import { OfferService } from './offer.service.js';
import { PresenceService } from './presence.service.js';
import type { Offer, QueuedRequest } from './routing.model.js';

const directory = directoryFrom({
  // ed takes pumps here too: two experts for one queue, in directory order.
  people: [people.tom, people.erika, { ...people.ed, skills: ['pumps'] }, people.max],
  queues: [
    { id: 'serial', skills: ['pumps'], strategy: 'serial' },
    { id: 'ring', skills: ['pumps'], strategy: 'ring_all', offerTimeoutSeconds: 30 },
    { id: 'idle', skills: ['pumps'], strategy: 'longest_idle' },
    {
      id: 'escalating',
      skills: ['pumps'],
      strategy: 'serial',
      escalation: [{ afterSeconds: 60, addExperts: ['max'] }],
    },
  ],
});
const person = (id: string) => directory.find(id)!;

describe('OfferService', () => {
  let db: Kysely<BrokerDatabase>;
  let clock: FakeClock;
  let presence: PresenceService;
  let sut: OfferService;
  let requests: QueuedRequest[];

  const queueCall = (
    callId: string,
    queueId: string,
    priority: QueuedRequest['priority'] = 'normal',
  ) => requests.push({ callId, queueId, priority, queuedAt: clock.isoNow(), requesters: ['tom'] });
  const route = async () => (await sut.route(requests)).map((o) => `${o.callId}:${o.expertId}`);
  const available = (...ids: string[]) =>
    Promise.all(ids.map((id) => presence.set(person(id), 'available')));
  const offerOf = (offers: Offer[], expertId: string) =>
    offers.find((o) => o.expertId === expertId)!;

  beforeEach(async () => {
    db = openDatabase('sqlite::memory:').db;
    await migrateToLatest(db);
    clock = new FakeClock();
    const repository = new KyselyRoutingRepository(db);
    const logger = capturedLogger().logger;
    presence = new PresenceService(repository, directory, clock, logger, new EventBus(logger));
    sut = new OfferService(repository, presence, directory, clock);
    requests = [];
  });
  afterEach(async () => {
    presence.onModuleDestroy();
    await db.destroy();
  });

  it('serial: one expert at a time in directory order, the next once the offer times out', async () => {
    await available('erika', 'ed');
    queueCall('c1', 'serial');
    expect(await route()).toEqual(['c1:erika']);
    expect(await route()).toEqual([]); // still pending
    await clock.advance(20_000);
    expect((await sut.expireDue()).map((o) => o.expertId)).toEqual(['erika']);
    expect(await route()).toEqual(['c1:ed']);
  });

  it('ring_all: everyone at once; the first accept wins and the others are rescinded', async () => {
    await available('erika', 'ed');
    queueCall('c1', 'ring');
    const offers = await sut.route(requests);
    expect(offers.map((o) => o.expertId)).toEqual(['erika', 'ed']);
    expect(offers[0].expiresAt).toBe(new Date(clock.now() + 30_000).toISOString());
    const won = await sut.accept(person('ed'), offerOf(offers, 'ed').id);
    expect(won.offer).toMatchObject({ expertId: 'ed', status: 'accepted' });
    expect(won.rescinded.map((o) => o.expertId)).toEqual(['erika']);
    await expect(sut.accept(person('erika'), offerOf(offers, 'erika').id)).rejects.toMatchObject({
      httpStatus: 409,
      message: 'another expert accepted this call first',
    });
    expect(await route()).toEqual([]);
  });

  it('longest_idle: the expert idle longest first', async () => {
    await available('erika');
    await clock.advance(5_000);
    await available('ed');
    await clock.advance(5_000);
    await presence.callEnded('erika'); // erika's call just ended: ed has been idle longer
    queueCall('c1', 'idle');
    expect(await route()).toEqual(['c1:ed']);
  });

  it('a decline moves on, and that expert is never offered the call again', async () => {
    await available('erika', 'ed');
    queueCall('c1', 'serial');
    const [first] = await sut.route(requests);
    expect(await sut.decline(person('erika'), first.id)).toMatchObject({ status: 'declined' });
    expect(await route()).toEqual(['c1:ed']);
    await clock.advance(20_000);
    await sut.expireDue();
    expect(await route()).toEqual([]); // erika declined, ed timed out: nobody left
    queueCall('c2', 'serial');
    expect(await route()).toEqual(['c2:erika']);
  });

  it('two timeouts in a row set the expert away, and away experts get no offers', async () => {
    await available('erika');
    queueCall('c1', 'serial');
    await route();
    await clock.advance(20_000);
    await sut.expireDue();
    queueCall('c2', 'serial');
    expect(await route()).toEqual(['c2:erika']);
    await clock.advance(20_000);
    await sut.expireDue();
    expect((await presence.standing()).get('erika')?.status).toBe('away');
    queueCall('c3', 'serial');
    expect(await route()).toEqual([]);
  });

  it('urgent requests are offered first; an expert holds one pending offer at a time', async () => {
    await available('erika');
    queueCall('normal', 'serial');
    await clock.advance(1_000);
    queueCall('urgent', 'serial', 'urgent');
    expect(await route()).toEqual(['urgent:erika']);
  });

  it('escalation adds experts once its step is reached, measured from queuedAt', async () => {
    await available('max');
    queueCall('c1', 'escalating');
    expect(await route()).toEqual([]);
    await clock.advance(59_000);
    expect(await route()).toEqual([]);
    await clock.advance(1_000);
    expect(await route()).toEqual(['c1:max']);
  });

  it('answers 404 for someone else’s offer, 409 for an expired one, 403 for a technician', async () => {
    await available('erika');
    queueCall('c1', 'serial');
    const [offer] = await sut.route(requests);
    await expect(sut.accept(person('ed'), offer.id)).rejects.toMatchObject({
      httpStatus: 404,
      message: `offer ${offer.id} not found`,
    });
    await expect(sut.accept(person('tom'), offer.id)).rejects.toMatchObject({ httpStatus: 403 });
    expect(await sut.pendingFor(person('erika'))).toEqual([offer]);
    await clock.advance(20_000);
    await expect(sut.accept(person('erika'), offer.id)).rejects.toMatchObject({
      httpStatus: 409,
      message: `the offer expired at ${offer.expiresAt}`,
    });
    await sut.expireDue();
    await expect(sut.decline(person('erika'), offer.id)).rejects.toMatchObject({
      httpStatus: 409,
      message: 'the offer is already timed out',
    });
  });

  it('rescinds a call’s pending offers when it stops waiting', async () => {
    await available('erika', 'ed');
    queueCall('c1', 'ring');
    await route();
    expect((await sut.rescindAll('c1')).map((o) => o.expertId).sort()).toEqual(['ed', 'erika']);
    expect(await sut.pendingFor(person('erika'))).toEqual([]);
  });
});
