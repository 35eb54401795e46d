import { randomUUID } from 'node:crypto';
import { RoutingRepository } from '../src/routing/routing.repository.js';
import { BrokerHarness, PEOPLE } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { SocketClients } from './support/socket-client.js';

/** erika is an expert with the pumps skill who also wears the glasses (issue 18 item 7). */
const FAIR_PEOPLE = PEOPLE.map((person) =>
  person.id === 'erika' ? { ...person, roles: ['expert', 'technician'] } : person,
);
const QUEUES = [
  { id: 'pumps', skills: ['pumps'], offerTimeoutSeconds: 60, maxQueued: 5 },
  { id: 'shared', maxQueued: 10, maxQueuedPerTechnician: 2 },
  { id: 'floor', maxQueued: 10, urgentRoles: ['technician', 'supervisor'] },
];

describe.each(await brokerDatabases('fair queues'))('fair queues on $name', ({ create }) => {
  let sut: BrokerHarness;
  const clients = new SocketClients(() => sut);
  const ask = (body: Record<string, unknown>, as = 'tom') =>
    sut.api('POST', '/v1/calls', { as, body: { title: 'Pump 7 vibration', ...body } });

  beforeAll(async () => {
    sut = await new BrokerHarness({
      people: FAIR_PEOPLE,
      queues: QUEUES,
      database: create,
      env: { ROUTING_TICK_MS: '50' },
    }).start();
  });
  afterEach(async () => {
    clients.closeAll();
    const open = await sut.api('GET', '/v1/calls?status=active&limit=100', { as: 'sam' });
    for (const call of open.body.calls)
      await sut.api('POST', `/v1/calls/${call.id}/cancel`, { as: 'sam' });
    await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'away' } });
  });
  afterAll(async () => {
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  describe('nobody takes their own request', () => {
    it('an expert who asked first is offered the next request, never their own', async () => {
      const erika = await clients.connect('erika');
      await erika.socket.emitWithAck('presence.set', { status: 'available' });
      const own = await ask({ queueId: 'pumps' }, 'erika');
      expect(own.status).toBe(201);
      // Requests are offered first come first served: were erika eligible for her own, it would
      // be her first offer.
      const toms = await ask({ queueId: 'pumps' });
      const { offer } = await erika.next('offer.created');
      expect(offer.callId).toBe(toms.body.id);
      expect(erika.all('offer.created').map((o) => o.offer.callId)).not.toContain(own.body.id);
    });

    it('refuses to accept an offer of their own request with 403 own_request', async () => {
      const own = await ask({ queueId: 'pumps' }, 'erika');
      // An offer routing no longer makes (made by an older instance, say), written directly.
      const at = Date.now();
      const [offer] = await sut.app!.get(RoutingRepository).insertOffers([
        {
          id: randomUUID(),
          callId: own.body.id,
          expertId: 'erika',
          status: 'pending',
          offeredAt: new Date(at).toISOString(),
          expiresAt: new Date(at + 60_000).toISOString(),
          endedAt: null,
        },
      ]);
      const accepted = await sut.api('POST', `/v1/offers/${offer.id}/accept`, { as: 'erika' });
      expect([accepted.status, accepted.body.code]).toEqual([403, 'own_request']);
      expect(accepted.body.message).toBe('you asked for this call; another expert has to take it');
      expect((await sut.api('GET', `/v1/calls/${own.body.id}`, { as: 'sam' })).body.status).toBe(
        'queued',
      );
      expect(sut.simulator.state.listCalls()).toHaveLength(0);
    });
  });

  describe('urgent only for the roles the queue allows', () => {
    it('a technician may not mark a request urgent by default; a supervisor and an integration may', async () => {
      const refused = await ask({ queueId: 'pumps', priority: 'urgent' });
      expect([refused.status, refused.body.code]).toEqual([403, 'urgent_not_allowed']);
      expect(refused.body.message).toBe(
        'queue pumps takes urgent requests only from supervisor or integration; ask without priority',
      );
      const mine = await sut.api('GET', '/v1/calls?status=active', { as: 'tom' });
      expect(mine.body.calls).toEqual([]);
      expect((await ask({ queueId: 'pumps', priority: 'normal' })).status).toBe(201);
      for (const as of ['sam', 'erp']) {
        const urgent = await ask(
          { queueId: 'pumps', priority: 'urgent', technicianId: 'tina' },
          as,
        );
        expect([urgent.status, urgent.body.priority]).toEqual([201, 'urgent']);
      }
    });

    it("a queue's urgentRoles decide: there, a technician may and an integration may not", async () => {
      const tom = await ask({ queueId: 'floor', priority: 'urgent' });
      expect([tom.status, tom.body.priority]).toEqual([201, 'urgent']);
      const erp = await ask({ queueId: 'floor', priority: 'urgent', technicianId: 'tina' }, 'erp');
      expect([erp.status, erp.body.code]).toEqual([403, 'urgent_not_allowed']);
    });
  });

  describe("each technician's share of a queue", () => {
    it('refuses a technician past maxQueuedPerTechnician with 429 queue_share_full; others still get in', async () => {
      for (let i = 0; i < 2; i++) expect((await ask({ queueId: 'shared' })).status).toBe(201);
      const third = await ask({ queueId: 'shared' });
      expect([third.status, third.body.code]).toEqual([429, 'queue_share_full']);
      expect(third.body.message).toBe(
        'technician tom already has 2 requests waiting in queue shared, their share; wait for one to be taken or cancel one',
      );
      // On behalf of tom counts for tom; tina has her own share.
      const forTom = await ask({ queueId: 'shared', technicianId: 'tom' }, 'erp');
      expect(forTom.body.code).toBe('queue_share_full');
      expect((await ask({ queueId: 'shared' }, 'tina')).status).toBe(201);
    });

    it('a burst of parallel requests from one technician gets exactly their share', async () => {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => ask({ queueId: 'shared' })),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([201, 201, 429, 429, 429, 429, 429, 429]);
      expect((await ask({ queueId: 'shared' }, 'tina')).status).toBe(201);
    });
  });
});
