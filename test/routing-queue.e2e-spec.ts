import { BrokerHarness } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { RecordingClient } from './support/socket-client.js';

/** erika has the pumps skill; ed has none (see PEOPLE in the harness). */
const QUEUES = [
  {
    id: 'pumps',
    name: 'Pumps',
    skills: ['pumps'],
    strategy: 'ring_all',
    offerTimeoutSeconds: 30,
    maxWaitSeconds: 60,
    maxQueued: 3,
  },
  // The offer times out well before the wait ends, even when it is made late on a busy machine.
  { id: 'brief', skills: ['pumps'], strategy: 'serial', offerTimeoutSeconds: 1, maxWaitSeconds: 4 },
  {
    id: 'anyone',
    strategy: 'serial',
    offerTimeoutSeconds: 30,
    escalation: [{ afterSeconds: 1, notifySupervisors: true }],
  },
];

describe.each(await brokerDatabases('routing a call through a queue'))(
  'routing through a queue on $name',
  ({ create }) => {
    let sut: BrokerHarness;
    const clients: RecordingClient[] = [];
    const connect = async (id: string) => {
      const client = await RecordingClient.connect(sut.url, sut.token(id));
      clients.push(client);
      return client;
    };
    const ask = (body: Record<string, unknown>, as = 'tom') =>
      sut.api('POST', '/v1/calls', { as, body: { title: 'Pump 7 vibration', ...body } });

    beforeAll(async () => {
      sut = await new BrokerHarness({
        queues: QUEUES,
        database: create,
        env: { ROUTING_TICK_MS: '50' },
      }).start();
    });
    afterEach(async () => {
      for (const client of clients.splice(0)) client.close();
      // Nothing left waiting for the next test: cancel what is still queued.
      const open = await sut.api('GET', '/v1/calls?status=active&limit=100', { as: 'sam' });
      for (const call of open.body.calls)
        await sut.api('POST', `/v1/calls/${call.id}/cancel`, { as: 'sam' });
      await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'away' } });
      await sut.api('PUT', '/v1/presence/me', { as: 'ed', body: { status: 'away' } });
    });
    afterAll(async () => {
      expect(sut.secretsInLogs()).toEqual([]);
      await sut.stop();
    });

    it('refuses what is not a route: both, neither, an unknown queue, a stray priority', async () => {
      const both = await ask({ expertIds: ['erika'], queueId: 'pumps' });
      expect([both.status, both.body.message]).toEqual([
        422,
        'give either expertIds or queueId, not both',
      ]);
      expect((await ask({})).status).toBe(422);
      const unknown = await ask({ queueId: 'valves' });
      expect([unknown.status, unknown.body.message]).toEqual([
        422,
        'queueId: "valves" is not a queue',
      ]);
      expect((await ask({ expertIds: ['erika'], priority: 'urgent' })).status).toBe(422);
      expect((await ask({ queueId: 'pumps', priority: 'soon' })).status).toBe(400);
      expect(sut.simulator.state.listCalls()).toHaveLength(0);
    });

    it('queues the call, offers it to the available expert, and accept makes it ring her alone', async () => {
      const erika = await connect('erika');
      const tom = await connect('tom');
      await erika.socket.emitWithAck('presence.set', { status: 'available' });
      const asked = await ask({ queueId: 'pumps' });
      expect(asked.status).toBe(201);
      expect(asked.body).toMatchObject({
        status: 'queued',
        experts: [],
        queue: { id: 'pumps' },
        priority: 'normal',
        acceptedBy: null,
        xassistCallId: null,
      });
      expect(sut.simulator.state.listCalls()).toHaveLength(0);

      const { offer, call } = await erika.next('offer.created', (o) => o.call.id === asked.body.id);
      expect(offer).toMatchObject({ expertId: 'erika', status: 'pending', callId: call.id });
      const placed = await tom.next(
        'call.updated',
        (u) => u.call.id === call.id && u.call.queue?.position === 1,
      );
      expect(placed.call.queue).toEqual({
        id: 'pumps',
        position: 1,
        estimatedWaitSeconds: null,
        nobodyCanTake: false,
        statusLine: 'Waiting for an expert: 1 expert can take it.',
      });

      const answer = await erika.socket.emitWithAck('offer.accept', { offerId: offer.id });
      expect(answer).toMatchObject({
        offer: { id: offer.id, status: 'accepted' },
        call: {
          status: 'ringing',
          experts: [{ id: 'erika' }],
          acceptedBy: { id: 'erika', displayName: 'Erika Expert' },
        },
      });
      const [created] = sut.simulator.state.listCalls();
      expect((created.invitedContacts ?? []).map((c) => c.userId).sort()).toEqual([
        'broker',
        'erika',
      ]);
      expect(created.creatorContact).toMatchObject({ userDbId: 12 });

      // The glasses are still rung only once that expert joins.
      expect(tom.all('call.invite')).toEqual([]);
      sut.simulator.state.join(created.callId, 'erika');
      const invite = await tom.next('call.invite', (i) => i.call.id === call.id);
      expect(invite.expert).toEqual({ id: 'erika', displayName: 'Erika Expert' });

      const metrics = (await sut.api('GET', '/metrics')).body as string;
      expect(metrics).toMatch(/broker_routing_time_to_accept_seconds_count\{queue="pumps"\} [1-9]/);
      expect(metrics).toMatch(/broker_routing_offers_total\{outcome="accepted"\} [1-9]/);
      expect(metrics).toMatch(/broker_routing_offers_total\{outcome="created"\} [1-9]/);

      const again = await erika.socket.emitWithAck('offer.accept', { offerId: offer.id });
      expect(again).toMatchObject({ error: { statusCode: 409 } });
      const events = await sut.api('GET', `/v1/calls/${call.id}/events`, { as: 'sam' });
      expect(events.body.events.map((e: { type: string }) => e.type)).toEqual(
        expect.arrayContaining(['status.queued', 'status.creating', 'status.ringing']),
      );
    });

    // Issue 22: with nobody able to take it, the request waited with a guessed estimate, unsaid.
    it('tells the glasses at once that nobody can take a request, and again once someone can', async () => {
      const tom = await connect('tom');
      const asked = await ask({ queueId: 'pumps' }); // erika is away, ed has not the skill
      const told = await tom.next('call.nobody_can_take', (n) => n.call.id === asked.body.id);
      expect(told.call.queue).toMatchObject({
        position: 1,
        estimatedWaitSeconds: null,
        nobodyCanTake: true,
        statusLine: expect.stringMatching(/^Nobody can take this request now/),
      });
      await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'available' } });
      const placed = await tom.next(
        'call.updated',
        (u) =>
          u.call.id === asked.body.id && u.call.queue?.statusLine?.startsWith('Waiting') === true,
      );
      expect(placed.call.queue?.nobodyCanTake).toBe(false);
      expect(tom.all('call.nobody_can_take')).toHaveLength(1);
    });

    it("an offer is its expert's alone, and two racing accepts of it create one call", async () => {
      const erika = await connect('erika');
      const ed = await connect('ed');
      await erika.socket.emitWithAck('presence.set', { status: 'available' });
      await ed.socket.emitWithAck('presence.set', { status: 'available' });
      const asked = await ask({ queueId: 'pumps' });
      const mine = await erika.next('offer.created', (o) => o.call.id === asked.body.id);
      // pumps needs the skill: only erika is offered; a REST accept of her offer by ed is a 404.
      const stolen = await sut.api('POST', `/v1/offers/${mine.offer.id}/accept`, { as: 'ed' });
      expect(stolen.status).toBe(404);
      const answers = await Promise.all([
        sut.api('POST', `/v1/offers/${mine.offer.id}/accept`, { as: 'erika' }),
        sut.api('POST', `/v1/offers/${mine.offer.id}/accept`, { as: 'erika' }),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const xassistCalls = sut.simulator.state.listCalls();
      expect(
        xassistCalls.filter(
          (c) => c.callId === answers.find((a) => a.status === 200)?.body.call.xassistCallId,
        ),
      ).toHaveLength(1);
      expect(new Set(xassistCalls.map((c) => c.callId)).size).toBe(xassistCalls.length);
    });

    it('a full queue answers 503; presence for a non-expert is 403', async () => {
      for (let i = 0; i < 3; i++) expect((await ask({ queueId: 'pumps' })).status).toBe(201);
      const full = await ask({ queueId: 'pumps' });
      expect([full.status, full.body.code]).toEqual([503, 'queue_full']);
      const tom = await connect('tom');
      const refused = await tom.socket.emitWithAck('presence.set', { status: 'available' });
      expect(refused).toMatchObject({ error: { statusCode: 403 } });
    });

    it('a burst of parallel requests fills the queue to maxQueued exactly', async () => {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          ask({ queueId: 'pumps' }, i % 2 === 0 ? 'tom' : 'tina'),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 201)).toHaveLength(3);
      expect(statuses.filter((status) => status === 503)).toHaveLength(7);
    });

    it('a declined or timed-out offer is not made again; nobody accepting ends it unanswered', async () => {
      const erika = await connect('erika');
      await erika.socket.emitWithAck('presence.set', { status: 'available' });
      const asked = await ask({ queueId: 'brief' });
      const first = await erika.next('offer.created', (o) => o.call.id === asked.body.id);
      await erika.next(
        'offer.ended',
        (e) => e.offer.id === first.offer.id && e.offer.status === 'timed_out',
      );
      const ended = await sut.waitForCall(asked.body.id, (c) => c.status === 'unanswered', 10_000);
      expect(ended.status).toBe('unanswered');
      expect(erika.all('offer.created').filter((o) => o.call.id === asked.body.id)).toHaveLength(1);
      const metrics = (await sut.api('GET', '/metrics')).body as string;
      expect(metrics).toMatch(/broker_routing_unanswered_total\{queue="brief"\} [1-9]/);
      expect(metrics).toMatch(/broker_routing_offers_total\{outcome="timed_out"\} [1-9]/);
    });

    it('tells supervisors when an escalation step runs, and records it in the call', async () => {
      const sam = await connect('sam');
      const asked = await ask({ queueId: 'anyone' });
      const escalated = await sam.next('queue.escalated', (e) => e.call.id === asked.body.id, 5000);
      expect(escalated.step).toMatchObject({ index: 0, afterSeconds: 1, notifySupervisors: true });
      const events = await sut.api('GET', `/v1/calls/${asked.body.id}/events`, { as: 'sam' });
      expect(events.body.events.map((e: { type: string }) => e.type)).toContain(
        'routing.escalated',
      );
    });

    it('xAssist failing at accept answers the expert 503 and keeps the request queued', async () => {
      const erika = await connect('erika');
      await erika.socket.emitWithAck('presence.set', { status: 'available' });
      const asked = await ask({ queueId: 'pumps' });
      const { offer } = await erika.next('offer.created', (o) => o.call.id === asked.body.id);
      sut.simulator.injectFault({ path: 'rtc/createCall', kind: 'status', status: 503, count: 5 });
      const answer = await erika.socket.emitWithAck('offer.accept', { offerId: offer.id });
      expect(answer).toMatchObject({ error: { statusCode: 503 } });
      const call = await sut.waitForCall(asked.body.id, (c) => c.status === 'queued');
      expect(call).toMatchObject({ status: 'queued', experts: [], acceptedBy: null });
      const events = await sut.api('GET', `/v1/calls/${asked.body.id}/events`, { as: 'sam' });
      expect(events.body.events.map((e: { type: string }) => e.type)).toContain(
        'routing.accept_failed',
      );
      // Offered again (xAssist was not her fault).
      const second = await erika.next(
        'offer.created',
        (o) => o.call.id === asked.body.id && o.offer.id !== offer.id,
      );
      expect(second.offer.status).toBe('pending');
    });
  },
);
