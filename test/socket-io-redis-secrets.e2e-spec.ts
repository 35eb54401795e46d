import { createServer, type Server as HttpServer } from 'node:http';
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { connectRedis } from '../src/cluster/redis-connection.js';
import type { ClusterConfig } from '../src/config/cluster-config.js';
import { ioCluster, type IoCluster } from '../src/edge/socket-io-redis.js';
import type { BrokerServer } from '../src/realtime/calls.gateway.js';
import { FallbackNotices } from '../src/realtime/fallback-notices.js';
import type { CallFallbackPayload } from '../src/realtime/realtime-events.js';
import { personRoom } from '../src/realtime/rooms.js';
import { waitFor } from './support/broker-harness.js';
import { describeIf, requireRedis } from './support/environment.js';
import { capturedLogger } from './support/log-capture.js';

const redis = await requireRedis('secrets over the socket.io Redis adapter');

const MEETING_PASSWORD = 'meeting-password-7f3a';
const COOKIE = 'session=cookie-secret-91c2';
const AUTHORIZATION = 'Bearer authorization-secret-44d0';
const fallback = {
  call: { id: 'call-1', status: 'failed' },
  meeting: {
    provider: 'chatMessenger',
    url: 'https://cam.example/m/1',
    password: MEETING_PASSWORD,
    expiresAt: '2026-12-06T18:00:00.000Z',
  },
} as unknown as CallFallbackPayload;

/** One socket.io server on the Redis streams adapter, as an instance of the broker has one. */
class Instance {
  readonly http: HttpServer = createServer();
  io!: BrokerServer;
  notices!: FallbackNotices;
  private cluster!: IoCluster;
  private commands!: Redis;
  url = '';

  async start(config: ClusterConfig): Promise<this> {
    const { logger } = capturedLogger('silent');
    this.commands = connectRedis(config.redisUrl!, logger, `${config.instanceId}-commands`);
    await new Promise((resolve) => this.commands.once('ready', resolve));
    this.cluster = ioCluster(config, this.commands, logger);
    this.io = new Server(this.http, { adapter: this.cluster.adapter }) as BrokerServer;
    // Each socket says whose it is in its handshake (the broker reads a token instead).
    this.io.on('connection', (socket) => {
      const personId = String(socket.handshake.query.person);
      socket.data.person = { id: personId } as never;
      void socket.join(personRoom(personId));
    });
    // The fallback lookup of another instance: this test's one meeting, read from "the database".
    this.notices = new FallbackNotices(
      this.io,
      async (_person, callId) => (callId === fallback.call.id ? fallback : null),
      true,
      logger,
    );
    this.notices.listen();
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.http.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.io?.close(resolve));
    this.cluster?.close();
    this.commands?.disconnect();
  }
}

/**
 * Issue 20 review: what one instance sends another through Redis (room emits and server-side
 * notices on the stream, fetchSockets answers by pub/sub) carries no meeting password and none of
 * a socket's credentials.
 */
describeIf(redis)('secrets over the socket.io Redis adapter', () => {
  jest.setTimeout(30_000);
  let prefix = '';
  let listener: Redis;
  let reader: Redis;
  const published: string[] = [];
  const clients: Socket[] = [];
  const a = new Instance();
  const b = new Instance();

  const connect = async (url: string, person: string): Promise<Socket> => {
    const client = io(url, {
      query: { person },
      transports: ['websocket'],
      extraHeaders: { cookie: COOKIE, authorization: AUTHORIZATION },
      reconnection: false,
      forceNew: true,
    });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('connect_error', reject);
    });
    return client;
  };
  /** Everything that went over Redis: pub/sub messages and the stream's entries. */
  const overRedis = async (): Promise<string> => {
    const entries = await reader.xrange(`${prefix}socket.io`, '-', '+');
    return [...published, JSON.stringify(entries)].join('\n');
  };

  beforeAll(async () => {
    prefix = redis!.uniquePrefix();
    listener = new Redis(redis!.url);
    reader = new Redis(redis!.url);
    listener.on('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, message: Buffer) =>
      published.push(message.toString('latin1')),
    );
    await listener.psubscribe(`${prefix}*`);
    const config = (instanceId: string): ClusterConfig => ({
      redisUrl: redis!.url,
      instanceId,
      leaseTtlMs: 15_000,
      heartbeatMs: 5_000,
      redisKeyPrefix: prefix,
    });
    await a.start(config('secrets-a'));
    await b.start(config('secrets-b'));
    // Each knows the other (the adapter's heartbeats): fetchSockets waits for every instance.
    for (const instance of [a, b])
      await waitFor(
        () => instance.io.of('/').adapter.serverCount(),
        (count) => count === 2,
        10_000,
      );
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await a.stop();
    await b.stop();
    listener?.disconnect();
    reader?.disconnect();
    await redis?.dropPrefix(prefix);
  });

  it("a fetchSockets answer from another instance carries no socket's cookie or authorization", async () => {
    await connect(b.url, 'erika');
    const sockets = await a.io.in(personRoom('erika')).fetchSockets();
    expect(sockets).toHaveLength(1);
    expect(sockets[0].data.person).toEqual({ id: 'erika' });
    expect(JSON.stringify(sockets[0].handshake)).not.toMatch(/cookie-secret|authorization-secret/);
    const wire = await overRedis();
    expect(wire).toContain('person:erika');
    expect(wire).not.toMatch(/cookie-secret|authorization-secret/);
  });

  it('call.fallback reaches the technician on another instance, and its password never crosses Redis', async () => {
    const tom = await connect(b.url, 'tom');
    const tomHere = await connect(a.url, 'tom');
    const heard = (client: Socket) =>
      new Promise((resolve) => client.once('call.fallback', resolve));
    const [onB, onA] = [heard(tom), heard(tomHere)];

    a.notices.offered('tom', fallback);
    expect(await onB).toEqual(fallback);
    expect(await onA).toEqual(fallback);
    const wire = await overRedis();
    expect(wire).not.toContain(MEETING_PASSWORD);
  });
});
