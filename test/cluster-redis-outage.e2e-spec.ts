import { jest } from '@jest/globals';
import { waitFor } from './support/broker-harness.js';
import type { BrokerProcess } from './support/broker-process.js';
import {
  describeIf,
  requirePostgres,
  requireRedis,
  type TestDatabase,
} from './support/environment.js';
import { ProductionBrokers } from './support/production-broker.js';
import { RecordingClient } from './support/socket-client.js';
import { TcpProxy } from './support/tcp-proxy.js';

const postgres = await requirePostgres('a Redis outage under two instances');
const redis = await requireRedis('a Redis outage under two instances');

/**
 * Redis goes away under two instances (a proxy in front of the shared Redis refuses, then
 * forwards again; Redis itself is never stopped): the database stays the source of truth, so
 * calls go on and commit; /readyz says so; once Redis is back, socket events cross again.
 */
describeIf(postgres && redis)('a Redis outage under two instances', () => {
  jest.setTimeout(120_000);
  const brokers = new ProductionBrokers('redis-outage');
  const { simulator } = brokers;
  const clients: RecordingClient[] = [];
  let proxy: TcpProxy;
  const prefix = redis?.uniquePrefix() ?? '';
  let database: TestDatabase;
  let a: { run: BrokerProcess; url: string };
  let b: { run: BrokerProcess; url: string };

  const connect = async (url: string, personId: string) => {
    const client = await RecordingClient.connect(url, brokers.token(personId));
    clients.push(client);
    return client;
  };
  const ready = async (url: string) => {
    const answer = await brokers.api(url, 'GET', '/readyz', 'sam');
    return { status: answer.status, redis: answer.body?.details?.redis?.status };
  };

  beforeAll(async () => {
    const target = new URL(redis!.url);
    proxy = await new TcpProxy({
      host: target.hostname,
      port: Number(target.port || 6379),
    }).listen();
    database = await postgres!.createDatabase();
    await brokers.setUp({
      env: {
        DATABASE_URL: database.url,
        REDIS_URL: proxy.through(redis!.url),
        REDIS_KEY_PREFIX: prefix,
        POLL_INTERVAL_RINGING_MS: '100',
      },
    });
    a = await brokers.start();
    b = await brokers.start();
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await brokers.tearDown();
    await proxy?.close();
    await database?.drop();
    await redis!.dropPrefix(prefix);
  });

  it('commits calls and answers /readyz 503 while Redis is away; socket events cross instances again once it is back', async () => {
    const before = await connect(b.url, 'tom');
    expect(await ready(a.url)).toEqual({ status: 200, redis: 'up' });

    await proxy.refuse();
    expect(
      await waitFor(
        () => ready(a.url),
        (r) => r.status === 503,
        10_000,
      ),
    ).toEqual({
      status: 503,
      redis: 'down',
    });
    const created = await brokers.api(a.url, 'POST', '/v1/calls', 'tom', {
      body: { expertIds: ['erika'], title: 'Pump 7 vibration' },
    });
    expect(created.status).toBe(201);
    const call = created.body;
    const during = await connect(a.url, 'tom');
    simulator.state.join(call.xassistCallId, 'erika');
    const joined = await waitFor(
      async () => (await brokers.api(a.url, 'GET', `/v1/calls/${call.id}`, 'tom')).body.status,
      (status) => status === 'expert_joined',
      10_000,
    );
    expect(joined).toBe('expert_joined');

    await proxy.forward();
    for (const url of [a.url, b.url])
      expect(
        await waitFor(
          () => ready(url),
          (r) => r.status === 200,
          15_000,
        ),
      ).toEqual({
        status: 200,
        redis: 'up',
      });
    const after = await connect(b.url, 'tom');
    simulator.state.join(call.xassistCallId, 'tom');
    simulator.state.end(call.xassistCallId);
    for (const client of [before, during, after])
      await client.next(
        'call.updated',
        (u) => u.call.id === call.id && u.call.status === 'ended',
        15_000,
      );

    for (const { run } of [a, b]) {
      expect(run.child.exitCode).toBeNull();
      expect(run.output).not.toMatch(/unhandled|uncaught/i);
    }
  });
});
