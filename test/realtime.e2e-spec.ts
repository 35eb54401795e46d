import { BrokerHarness } from './support/broker-harness.js';
import { RecordingClient, refusal } from './support/socket-client.js';

const ask = { expertIds: ['erika'], title: 'Pump 7 vibration' };

describe('realtime push over socket.io', () => {
  let sut: BrokerHarness;
  const clients: RecordingClient[] = [];
  const connect = async (person: string) => {
    const client = await RecordingClient.connect(sut.url, sut.token(person));
    clients.push(client);
    return client;
  };
  const createCall = async (as = 'tom', body: object = ask) =>
    (await sut.api('POST', '/v1/calls', { as, body })).body;

  beforeAll(async () => {
    sut = await new BrokerHarness({ env: { TECHNICIAN_JOIN_TIMEOUT_MS: '600000' } }).start();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  it.each([
    ['no token', () => undefined, /a bearer token is required/],
    [
      'a bad signature',
      () => sut.token('tom', 600, 'another-secret-entirely'),
      /signature is invalid/,
    ],
    ['an expired token', () => sut.token('tom', -5), /expired/],
    ['an unknown person', () => sut.token('ghost'), /"ghost" is not in the directory/],
  ])('refuses a handshake with %s', async (_name, token, message) => {
    expect(await refusal(sut.url, token())).toMatch(message);
  });

  it('sends a snapshot of the active calls the person may see', async () => {
    const call = await createCall();
    const tom = await connect('tom');
    const tina = await connect('tina');
    const sam = await connect('sam');
    const ids = async (client: RecordingClient) =>
      (await client.next('calls.snapshot')).calls.map((c) => c.id);
    expect(await ids(tom)).toContain(call.id);
    expect(await ids(sam)).toContain(call.id);
    expect(await ids(tina)).not.toContain(call.id);
    const snapshot = await tom.next('calls.snapshot');
    expect(
      snapshot.calls.every((c) => ['ringing', 'expert_joined', 'connected'].includes(c.status)),
    ).toBe(true);
  });

  it('pushes call.updated in seq order without gaps, and rings the technician only after the expert joined', async () => {
    const tom = await connect('tom');
    const tina = await connect('tina');
    const sam = await connect('sam');
    const erika = await connect('erika');
    const call = await createCall();

    await sam.next(
      'call.updated',
      (u) => u.call.id === call.id && u.events.some((e) => e.type === 'xassist.Created'),
    );
    await sut.morePolls(call.xassistCallId, 4); // several ringing polls, applied
    await tom.flush();
    expect(tom.all('call.invite')).toEqual([]);

    sut.simulator.state.join(call.xassistCallId, 'erika');
    const invite = await tom.next('call.invite', (i) => i.call.id === call.id);
    expect(invite.expert).toEqual({ id: 'erika', displayName: 'Erika Expert' });
    expect(invite.call.status).toBe('expert_joined');

    sut.simulator.state.addEvent(call.xassistCallId, { type: 'Chat', comment: 'hello' });
    sut.simulator.state.join(call.xassistCallId, 'tom');
    await sam.next('call.updated', (u) => u.call.id === call.id && u.call.status === 'connected');
    sut.simulator.state.end(call.xassistCallId);
    await sam.next('call.updated', (u) => u.call.id === call.id && u.call.status === 'ended');
    await tom.next('call.updated', (u) => u.call.id === call.id && u.call.status === 'ended');
    await erika.next('call.updated', (u) => u.call.id === call.id && u.call.status === 'ended');

    const stored = (await sut.api('GET', `/v1/calls/${call.id}/events`, { as: 'sam' })).body.events;
    for (const client of [sam, tom, erika]) {
      const seqs = client.eventsOf(call.id).map((e) => e.seq);
      expect(seqs).toEqual(stored.map((e: any) => e.seq));
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    }
    expect(sam.all('call.updated').filter((u) => u.call.id === call.id).length).toBeGreaterThan(3);
    expect(tom.all('call.invite').filter((i) => i.call.id === call.id)).toHaveLength(1);
    expect(sam.all('call.invite')).toEqual([]);
    expect(erika.all('call.invite')).toEqual([]);
    expect(tina.all('call.updated').filter((u) => u.call.id === call.id)).toEqual([]);
    expect(tina.all('call.invite')).toEqual([]);
  });

  it('rings a technician again on reconnect while the call waits for them', async () => {
    const call = await createCall();
    sut.simulator.state.join(call.xassistCallId, 'erika');
    await sut.waitForCall(call.id, (c) => c.status === 'expert_joined');
    const offlineUntilNow = await connect('tom');
    const invite = await offlineUntilNow.next('call.invite', (i) => i.call.id === call.id);
    expect(invite.call.status).toBe('expert_joined');
    offlineUntilNow.close();
    const again = await connect('tom');
    expect((await again.next('call.invite', (i) => i.call.id === call.id)).expert.id).toBe('erika');
    const supervisor = await connect('sam');
    await supervisor.next('calls.snapshot');
    await supervisor.flush();
    expect(supervisor.all('call.invite')).toEqual([]);
  });

  it('replays what was missed during a disconnect with call.subscribe', async () => {
    const sam = await connect('sam');
    const call = await createCall();
    await sam.next(
      'call.updated',
      (u) => u.call.id === call.id && u.events.some((e) => e.type === 'xassist.Created'),
    );
    const lastSeq = Math.max(...sam.eventsOf(call.id).map((e) => e.seq));
    sam.close();

    sut.simulator.state.join(call.xassistCallId, 'erika');
    sut.simulator.state.join(call.xassistCallId, 'tom');
    await sut.waitForCall(call.id, (c) => c.status === 'connected');

    const back = await connect('sam');
    const answer: any = await back.socket.emitWithAck('call.subscribe', {
      callId: call.id,
      afterSeq: lastSeq,
    });
    expect(answer.call.status).toBe('connected');
    expect(answer.events.map((e: any) => e.seq)).toEqual(
      Array.from({ length: answer.call.seq - lastSeq }, (_, i) => lastSeq + 1 + i),
    );
    expect(answer.events.map((e: any) => e.type)).toEqual([
      'xassist.Join',
      'status.expert_joined',
      'xassist.Join',
      'status.connected',
    ]);
  });

  it('answers malformed client payloads with an error and stays up', async () => {
    const tina = await connect('tina');
    const call = await createCall();
    const ask = (payload: unknown): Promise<any> =>
      (tina.socket as any).emitWithAck('call.subscribe', payload);
    expect(await ask('garbage')).toEqual({
      error: { statusCode: 400, code: 'bad_request', message: 'the payload must be an object' },
    });
    expect((await ask({ callId: 5, afterSeq: 0 })).error.message).toMatch(
      /callId must be a call id/,
    );
    expect((await ask({ callId: call.id, afterSeq: -1 })).error.message).toMatch(
      /afterSeq must not be less than 0/,
    );
    expect((await ask({ callId: call.id, afterSeq: 'x' })).error.message).toMatch(
      /afterSeq must be an integer/,
    );
    expect((await ask({ callId: call.id, afterSeq: 0, admin: true })).error.message).toMatch(
      /property admin should not exist/,
    );
    expect((await ask({ callId: call.id, afterSeq: 0 })).error).toEqual({
      statusCode: 404,
      code: 'not_found',
      message: `call ${call.id} not found`,
    });
    const untyped = tina.socket as any;
    untyped.emit('no.such.event', { x: 1 });
    untyped.emit('call.subscribe', { callId: call.id, afterSeq: 0 });
    untyped.emit('call.subscribe');
    expect(tina.socket.connected).toBe(true);
    const own = await createCall('tina');
    expect((await ask({ callId: own.id, afterSeq: 0 })).call.id).toBe(own.id);
  });
});
