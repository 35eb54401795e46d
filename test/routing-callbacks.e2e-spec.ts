import { Callbacks } from '../src/routing/callbacks.service.js';
import { BrokerHarness } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { RecordingClient } from './support/socket-client.js';

const HOUR_MS = 3_600_000;
/** erika has the pumps skill; ed has none (see PEOPLE in the harness). Nobody is available. */
const QUEUES = [
  {
    id: 'pumps',
    name: 'Pumps',
    skills: ['pumps'],
    maxWaitSeconds: 1,
    callbackOnUnanswered: true,
    callbackHours: 1,
  },
  { id: 'anyone', maxWaitSeconds: 1, callbackOnUnanswered: true },
  { id: 'plain', maxWaitSeconds: 1 },
];

describe.each(await brokerDatabases('callbacks'))('callbacks on $name', ({ create }) => {
  let sut: BrokerHarness;
  const clients: RecordingClient[] = [];
  const connect = async (id: string) => {
    const client = await RecordingClient.connect(sut.url, sut.token(id));
    clients.push(client);
    return client;
  };
  const ask = (queueId: string, as = 'tom') =>
    sut.api('POST', '/v1/calls', { as, body: { title: 'Pump 7 vibration', queueId } });
  const callBack = (callId: string, as: string) =>
    sut.api('POST', `/v1/calls/${callId}/callback`, { as });
  /** A request to `queueId` that waited out maxWaitSeconds, as tom's socket hears of it. */
  async function pendingCallback(tom: RecordingClient, queueId: string) {
    const asked = await ask(queueId);
    expect(asked.body.status).toBe('queued');
    const update = await tom.next(
      'call.updated',
      (u) => u.call.id === asked.body.id && u.call.status === 'callback_pending',
    );
    return update.call;
  }

  beforeAll(async () => {
    sut = await new BrokerHarness({
      queues: QUEUES,
      database: create,
      env: { ROUTING_TICK_MS: '50' },
    }).start();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    const open = await sut.api('GET', '/v1/calls?status=active&limit=100', { as: 'sam' });
    for (const call of open.body.calls)
      await sut.api('POST', `/v1/calls/${call.id}/cancel`, { as: 'sam' });
  });
  afterAll(async () => {
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  it('a request nobody took becomes a callback that an expert completes: the xAssist call is the technician’s, the glasses ring after the expert joined', async () => {
    const tom = await connect('tom');
    const erika = await connect('erika');
    const call = await pendingCallback(tom, 'pumps');
    expect(call).toMatchObject({ experts: [], acceptedBy: null, queue: { id: 'pumps' } });
    // The experts watching the queues see it too, and so does the REST list.
    await erika.next(
      'call.updated',
      (u) => u.call.id === call.id && u.call.status === 'callback_pending',
    );
    const listed = await sut.api('GET', '/v1/calls?status=active', { as: 'erika' });
    expect(listed.body.calls.map((c: { id: string }) => c.id)).toContain(call.id);
    expect(sut.simulator.state.listCalls()).toHaveLength(0);
    const queues = await sut.api('GET', '/v1/queues', { as: 'erika' });
    expect(queues.body.queues.find((q: { id: string }) => q.id === 'pumps')).toMatchObject({
      waiting: 0,
      callbacks: 1,
      mayCallBack: true,
    });
    // What the console shows each expert: ed lacks the skill, so pumps' callbacks are not his.
    const edsQueues = await sut.api('GET', '/v1/queues', { as: 'ed' });
    const mayCallBack = Object.fromEntries(
      edsQueues.body.queues.map((q: { id: string; mayCallBack: boolean }) => [q.id, q.mayCallBack]),
    );
    expect(mayCallBack).toMatchObject({ pumps: false, anyone: true });

    // ed lacks the queue's skill; tom cannot call himself back; sam joins no calls.
    const refused = await callBack(call.id, 'ed');
    expect([refused.status, refused.body.message]).toEqual([
      403,
      'this callback needs the skills pumps, which you do not have; leave it to an expert who has them, or ask a supervisor',
    ]);
    expect((await callBack(call.id, 'tom')).status).toBe(403);
    expect((await callBack(call.id, 'sam')).status).toBe(403);

    const taken = await callBack(call.id, 'erika');
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({
      id: call.id,
      status: 'ringing',
      experts: [{ id: 'erika' }],
      acceptedBy: { id: 'erika', displayName: 'Erika Expert' },
    });
    const [created] = sut.simulator.state.listCalls();
    expect(created.creatorContact).toMatchObject({ userDbId: 12 }); // tom's
    expect((created.invitedContacts ?? []).map((c) => c.userId).sort()).toEqual([
      'broker',
      'erika',
    ]);
    expect((await callBack(call.id, 'erika')).status).toBe(409);

    expect(tom.all('call.invite')).toEqual([]);
    sut.simulator.state.join(created.callId, 'erika');
    const invite = await tom.next('call.invite', (i) => i.call.id === call.id);
    expect(invite.expert).toEqual({ id: 'erika', displayName: 'Erika Expert' });
    const events = await sut.api('GET', `/v1/calls/${call.id}/events`, { as: 'sam' });
    expect(events.body.events.map((e: { type: string }) => e.type).slice(0, 4)).toEqual([
      'status.queued',
      'status.callback_pending',
      'status.creating',
      'status.ringing',
    ]);
  });

  it('of two experts calling back at once, one wins and the other gets 409', async () => {
    const tom = await connect('tom');
    const call = await pendingCallback(tom, 'anyone');
    const answers = await Promise.all([callBack(call.id, 'erika'), callBack(call.id, 'ed')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const winner = answers.find((a) => a.status === 200)!.body;
    expect(winner.status).toBe('ringing');
    const loser = answers.find((a) => a.status === 409)!.body;
    expect(loser.message).toBe(
      `call ${call.id} is no longer waiting for a callback: another expert took it, the technician withdrew it, or it expired; the callbacks list shows what still waits`,
    );
    const xassistCalls = sut.simulator.state.listCalls();
    expect(xassistCalls.filter((c) => c.callId === winner.xassistCallId)).toHaveLength(1);
    expect(new Set(xassistCalls.map((c) => c.callId)).size).toBe(xassistCalls.length);
  });

  it('the technician withdraws a callback', async () => {
    const tom = await connect('tom');
    const call = await pendingCallback(tom, 'pumps');
    const withdrawn = await sut.api('POST', `/v1/calls/${call.id}/cancel`, { as: 'tom' });
    expect([withdrawn.status, withdrawn.body.status]).toEqual([200, 'cancelled']);
    await tom.next('call.updated', (u) => u.call.id === call.id && u.call.status === 'cancelled');
    const late = await callBack(call.id, 'erika');
    expect([late.status, late.body.message]).toEqual([
      409,
      `call ${call.id} is no longer waiting for a callback: another expert took it, the technician withdrew it, or it expired; the callbacks list shows what still waits`,
    ]);
  });

  it('a callback nobody took ends unanswered after callbackHours; a queue without callbacks ends unanswered at once', async () => {
    const tom = await connect('tom');
    const call = await pendingCallback(tom, 'pumps');
    // What the leader's tick does an hour later (the fake-clock spec times it).
    await sut.app!.get(Callbacks).expireDue(Date.now() + HOUR_MS + 1_000);
    await tom.next('call.updated', (u) => u.call.id === call.id && u.call.status === 'unanswered');
    expect((await callBack(call.id, 'erika')).status).toBe(409);

    const plain = await ask('plain');
    await tom.next(
      'call.updated',
      (u) => u.call.id === plain.body.id && u.call.status === 'unanswered',
    );
  });

  it('a callback survives a restart of the broker: still pending, listed in its queue, then taken', async () => {
    const tom = await connect('tom');
    const call = await pendingCallback(tom, 'pumps');
    for (const client of clients.splice(0)) client.close();
    await sut.stopBroker();
    await sut.startBroker();
    const after = await sut.api('GET', `/v1/calls/${call.id}`, { as: 'tom' });
    expect(after.body.status).toBe('callback_pending');
    const queues = await sut.api('GET', '/v1/queues', { as: 'erika' });
    expect(queues.body.queues.find((q: { id: string }) => q.id === 'pumps').callbacks).toBe(1);
    const taken = await callBack(call.id, 'erika');
    expect([taken.status, taken.body.status]).toEqual([200, 'ringing']);
  });
});
