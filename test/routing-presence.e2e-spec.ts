import { BrokerHarness } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';

/** erika has the pumps skill; ed has none; both are experts (see PEOPLE in the harness). */
const QUEUES = [
  { id: 'pumps', name: 'Pumps and compressors', skills: ['pumps'], strategy: 'longest_idle' },
  { id: 'anyone', strategy: 'serial' },
];

describe.each(await brokerDatabases('presence and queues over REST'))(
  'presence and queues over REST on $name',
  ({ create }) => {
    let sut: BrokerHarness;

    beforeAll(async () => {
      sut = await new BrokerHarness({ queues: QUEUES, database: create }).start();
    });
    afterAll(async () => {
      expect(sut.secretsInLogs()).toEqual([]);
      await sut.stop();
    });

    const expert = async (id: string) =>
      (await sut.api('GET', '/v1/experts', { as: 'sam' })).body.experts.find(
        (e: { id: string }) => e.id === id,
      );
    const queue = async (id: string) =>
      (await sut.api('GET', '/v1/queues', { as: 'tom' })).body.queues.find(
        (q: { id: string }) => q.id === id,
      );

    it('lists every expert, offline until they say otherwise', async () => {
      const answer = await sut.api('GET', '/v1/experts', { as: 'sam' });
      expect(answer.status).toBe(200);
      expect(answer.body.experts).toEqual([
        {
          id: 'erika',
          displayName: 'Erika Expert',
          skills: ['pumps'],
          presence: 'offline',
          busy: false,
          wrapUpUntil: null,
          presenceSince: null,
          idleSince: null,
          currentCall: null,
        },
        expect.objectContaining({ id: 'ed', presence: 'offline', skills: [] }),
      ]);
    });

    it('an expert sets available, then away; the change shows at once to everyone', async () => {
      const set = await sut.api('PUT', '/v1/presence/me', {
        as: 'erika',
        body: { status: 'available' },
      });
      expect(set.status).toBe(200);
      expect(set.body).toEqual({
        id: 'erika',
        presence: 'available',
        presenceSince: expect.any(String),
        idleSince: set.body.presenceSince,
      });
      expect(await expert('erika')).toMatchObject({ presence: 'available', busy: false });
      expect(await queue('pumps')).toMatchObject({ availableExperts: 1 });

      expect(
        (await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'away' } })).body,
      ).toMatchObject({ presence: 'away' });
      expect(await expert('erika')).toMatchObject({ presence: 'away' });
      expect(await queue('pumps')).toMatchObject({ availableExperts: 0 });
    });

    it.each([
      ['tom', 'a technician'],
      ['sam', 'a supervisor'],
      ['erp', 'an integration'],
    ])('refuses presence for %s (%s) with 403', async (id) => {
      const answer = await sut.api('PUT', '/v1/presence/me', {
        as: id,
        body: { status: 'available' },
      });
      expect(answer.status).toBe(403);
      expect(answer.body.message).toBe(
        'only experts have a presence; this person is not an expert',
      );
    });

    it.each([
      [{ status: 'busy' }, 'status must be one of the following values: available, away'],
      [{ status: 'offline' }, 'status must be one of the following values: available, away'],
      [{}, 'status must be one of the following values: available, away'],
      [{ status: 'away', extra: 1 }, 'property extra should not exist'],
    ])('answers %j with 400 and says why', async (body, message) => {
      const answer = await sut.api('PUT', '/v1/presence/me', { as: 'ed', body });
      expect(answer.status).toBe(400);
      expect(answer.body.message).toBe(message);
    });

    it('answers a body that is not JSON with 400, never a 500', async () => {
      const answer = await sut.api('PUT', '/v1/presence/me', { as: 'ed', raw: '{"status":' });
      expect(answer.status).toBe(400);
    });

    it('needs a token, and keeps the expert list from technicians', async () => {
      expect((await sut.api('GET', '/v1/experts')).status).toBe(401);
      expect((await sut.api('PUT', '/v1/presence/me', { body: { status: 'away' } })).status).toBe(
        401,
      );
      const technician = await sut.api('GET', '/v1/experts', { as: 'tom' });
      expect(technician.status).toBe(403);
      for (const who of ['erp', 'ed'])
        expect((await sut.api('GET', '/v1/experts', { as: who })).status).toBe(200);
    });

    it('lists the queues with nothing waiting yet and who could take a request', async () => {
      await sut.api('PUT', '/v1/presence/me', { as: 'ed', body: { status: 'available' } });
      await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'available' } });
      const answer = await sut.api('GET', '/v1/queues', { as: 'tom' });
      expect(answer.status).toBe(200);
      expect(answer.body.queues).toEqual([
        {
          id: 'pumps',
          name: 'Pumps and compressors',
          skills: ['pumps'],
          strategy: 'longest_idle',
          waiting: 0,
          longestWaitSeconds: null,
          callbacks: 0,
          availableExperts: 1,
          // No business hours: always open.
          open: true,
          nextOpensAt: null,
          onCall: null,
          // tom is a technician: nobody's callbacks are his to take.
          mayCallBack: false,
        },
        {
          id: 'anyone',
          name: 'anyone',
          skills: [],
          strategy: 'serial',
          waiting: 0,
          longestWaitSeconds: null,
          callbacks: 0,
          availableExperts: 2,
          // No business hours: always open.
          open: true,
          nextOpensAt: null,
          onCall: null,
          // tom is a technician: nobody's callbacks are his to take.
          mayCallBack: false,
        },
      ]);
    });

    it('an expert in a call is busy with that call, and not available to a queue', async () => {
      await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'available' } });
      const created = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { expertIds: ['erika'], title: 'Pump 7 vibration' },
      });
      expect(created.status).toBe(201);
      sut.simulator.state.join(created.body.xassistCallId, 'erika');
      await sut.waitForCall(created.body.id, (call) => call.status === 'expert_joined');
      expect(await expert('erika')).toMatchObject({
        presence: 'available',
        busy: true,
        currentCall: { id: created.body.id },
      });
      expect(await queue('pumps')).toMatchObject({ availableExperts: 0 });

      sut.simulator.state.end(created.body.xassistCallId);
      await sut.waitForCall(created.body.id, (call) => call.status === 'ended');
      expect(await expert('erika')).toMatchObject({ busy: false, currentCall: null });
    });
  },
);
