import { randomUUID } from 'node:crypto';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { describeIf, requirePostgres, type TestDatabase } from './support/environment.js';

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
/** Keys and channels of this run alone: two CI runs share the machine's Redis. */
const REDIS_KEY_PREFIX = `test-${randomUUID().slice(0, 8)}:`;
const ask = { technicianId: 'tom', expertIds: ['erika'], title: 'Pump 7 vibration' };

const postgres = await requirePostgres('Idempotency-Key across instances');

/**
 * A retry with the same Idempotency-Key that reaches another instance while the first request
 * is still creating the call on xAssist waits for it (reading the database, not the first
 * instance's memory) and answers the same call; xAssist gets one createCall (docs/scaling.md).
 */
describeIf(postgres)('Idempotency-Key across instances', () => {
  let database: TestDatabase;
  const instances: BrokerHarness[] = [];

  beforeAll(async () => {
    database = await postgres!.createDatabase();
    const first = await new BrokerHarness({
      env: { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX, INSTANCE_ID: 'idem-1' },
    }).start();
    // The second instance talks to the same xAssist (the first one's simulator).
    const second = await new BrokerHarness({
      env: {
        DATABASE_URL: database.url,
        REDIS_URL,
        REDIS_KEY_PREFIX,
        INSTANCE_ID: 'idem-2',
        XASSIST_BASE_URL: first.config.xassist.baseUrl,
      },
    }).start();
    instances.push(first, second);
  }, 60_000);
  afterAll(async () => {
    for (const instance of instances) await instance.stop();
    await database?.drop();
  });

  it('answers a retry on another instance with the call the first request is creating', async () => {
    const [first, second] = instances;
    first.simulator.injectFault({ kind: 'slow', delayMs: 1_500, count: 1, path: 'rtc/createCall' });
    const headers = { 'idempotency-key': 'ticket-cross-instance' };
    const original = first.api('POST', '/v1/calls', { as: 'erp', body: ask, headers });
    // The retry arrives while the call is still `creating` (xAssist has not answered).
    const creating = await waitFor(
      async () => (await second.api('GET', '/v1/calls?status=active', { as: 'sam' })).body.calls,
      (calls: any[]) => calls.some((call) => call.status === 'creating'),
    );
    expect(creating.map((call: any) => call.status)).toEqual(['creating']);
    const retry = await second.api('POST', '/v1/calls', { as: 'erp', body: ask, headers });
    const created = await original;

    expect(created.status).toBe(201);
    expect(created.body.status).toBe('ringing');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toMatchObject({
      id: created.body.id,
      status: 'ringing',
      xassistCallId: created.body.xassistCallId,
    });
    expect(first.simulator.requestCount('rtc/createCall')).toBe(1);
    expect(second.simulator.requestCount('rtc/createCall')).toBe(0);
  }, 30_000);
});
