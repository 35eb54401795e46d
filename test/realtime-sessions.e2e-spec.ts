import { CallsGateway } from '../src/realtime/calls.gateway.js';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { RecordingClient } from './support/socket-client.js';

const DAY_SECONDS = 24 * 3600;

/** What sockets may hold on the server: snapshots, sessions beyond their token. */
describe('socket sessions: bounded snapshots and tokens that expire', () => {
  let sut: BrokerHarness;
  const clients: RecordingClient[] = [];
  const connect = async (person: string, ttlSeconds = 600) => {
    const client = await RecordingClient.connect(sut.url, sut.token(person, ttlSeconds));
    clients.push(client);
    return client;
  };
  const createCall = async (as: string) =>
    (await sut.api('POST', '/v1/calls', { as, body: { expertIds: ['erika'], title: 'Pump' } }))
      .body;
  /** The packets socket.io keeps in memory for connection state recovery (socket.io 4). */
  const recoveryBuffer = (): Array<{ data: unknown[] }> =>
    (sut.app!.get(CallsGateway) as any).server.of('/').adapter.packets;

  beforeAll(async () => {
    sut = await new BrokerHarness({ env: { SOCKET_SNAPSHOT_MAX_CALLS: '2' } }).start();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  describe('calls.snapshot', () => {
    let created: string[];

    beforeAll(async () => {
      created = [];
      for (const as of ['tom', 'tina', 'tom']) created.push((await createCall(as)).id);
    });

    it('is delivered on every connect but never kept for connection state recovery', async () => {
      for (let i = 0; i < 5; i++) {
        const sam = await connect('sam');
        expect((await sam.next('calls.snapshot')).calls.length).toBeGreaterThan(0);
        sam.close();
      }
      const kept = recoveryBuffer().filter((packet) => packet.data[0] === 'calls.snapshot');
      expect(kept).toEqual([]);
    });

    it('holds at most SOCKET_SNAPSHOT_MAX_CALLS calls; nextCursor pages through the rest over REST', async () => {
      const sam = await connect('sam');
      const snapshot = await sam.next('calls.snapshot');
      expect(snapshot.calls).toHaveLength(2);
      expect(snapshot.nextCursor).toEqual(expect.any(String));
      const rest = await sut.api(
        'GET',
        `/v1/calls?status=active&limit=100&cursor=${snapshot.nextCursor}`,
        { as: 'sam' },
      );
      const seen = [...snapshot.calls.map((c) => c.id), ...rest.body.calls.map((c: any) => c.id)];
      expect(seen).toEqual(expect.arrayContaining(created));
      expect(new Set(seen).size).toBe(seen.length);

      const tina = await connect('tina');
      const own = await tina.next('calls.snapshot');
      expect(own.calls.map((c) => c.id)).toEqual([created[1]]);
      expect(own.nextCursor).toBeNull();
    });
  });

  describe('a socket whose token expires', () => {
    it('is told and disconnected at exp, and hears nothing after', async () => {
      const tom = await connect('tom', 2);
      const reason = new Promise<string>((resolve) => tom.socket.once('disconnect', resolve));
      const expired = await tom.next('session.expired', () => true, 5000);
      expect(expired.message).toMatch(/token has expired; connect again with a fresh token/);
      expect(await reason).toBe('io server disconnect');
      const before = tom.received.length;
      const sam = await connect('sam');
      const call = await createCall('tom');
      // sam, in the rooms tom was in, hears of the call: a socket tom still had would have too.
      await sam.next('call.updated', (update) => update.call.id === call.id);
      expect(tom.received.length).toBe(before);
    });

    it('cannot come back after exp by connection state recovery: 401 connect_error', async () => {
      const token = sut.token('tom', 3);
      const tom = await RecordingClient.connect(sut.url, token);
      clients.push(tom);
      const dropTransport = async () => {
        const gone = new Promise<string>((resolve) => tom.socket.once('disconnect', resolve));
        tom.socket.io.engine.close(); // as a network loss would: the server keeps the session
        await gone;
      };
      const reconnect = () =>
        new Promise<'connected' | (Error & { data?: any })>((resolve) => {
          tom.socket.once('connect', () => resolve('connected'));
          tom.socket.once('connect_error', resolve);
          tom.socket.connect();
        });

      // A broadcast the client has seen gives it an offset to recover from (the snapshot is not kept).
      const call = await createCall('tom');
      await tom.next('call.updated', (update) => update.call.id === call.id);
      // Before exp the same session is recovered, so the refusal below is the recovery path's.
      await dropTransport();
      expect(await reconnect()).toBe('connected');
      expect(tom.socket.recovered).toBe(true);

      await dropTransport();
      // Past exp as the broker sees it: REST refuses the same token.
      const expired = await waitFor(
        () => sut.api('GET', '/v1/calls', { token }),
        (answer) => answer.status === 401,
      );
      expect([expired.status, expired.body.message]).toEqual([
        401,
        expect.stringMatching(/expired/),
      ]);
      const refused = await reconnect();
      expect(refused).not.toBe('connected');
      expect((refused as Error & { data?: any }).data).toMatchObject({
        statusCode: 401,
        code: 'unauthorized',
      });
      expect(tom.socket.connected).toBe(false);
    });

    it('stays connected when exp is further away than a timer can wait (over 24.8 days)', async () => {
      const tom = await connect('tom', 40 * DAY_SECONDS);
      await tom.next('calls.snapshot');
      // A timer given more than 2^31-1 ms fires at once: a call made after that still reaches tom.
      const call = await createCall('tom');
      await tom.next('call.updated', (update) => update.call.id === call.id);
      expect(tom.socket.connected).toBe(true);
      expect(tom.all('session.expired')).toEqual([]);
    });
  });
});
