import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BrokerHarness } from './support/broker-harness.js';
import { BrokerProcess, REPO } from './support/broker-process.js';
import { ProductionBrokers } from './support/production-broker.js';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const K1 = key('k1');
const K2 = key('k2');

/**
 * Issue 18 item 8: dropping a key that a stored webhook secret still needs is a configuration
 * mistake. The broker says so in one start-up line (never the key) and does not start, rather
 * than start and fail every delivery.
 */
describe('DATA_ENCRYPTION_KEYS without the key a stored secret needs', () => {
  jest.setTimeout(120_000);
  const brokers = new ProductionBrokers('at-rest-keys');

  beforeAll(() =>
    brokers.setUp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:9', DATA_ENCRYPTION_KEYS: K1 } }),
  );
  afterAll(() => brokers.tearDown());

  it('stops start-up with one line naming the missing key, and starts again once it is back', async () => {
    const { run, url } = await brokers.start();
    const created = await brokers.api(url, 'POST', '/v1/webhooks', 'erp', {
      body: { url: 'http://127.0.0.1:9/hooks', eventTypes: ['call.created'] },
    });
    expect(created.status).toBe(201);
    await run.stop();

    brokers.env.DATA_ENCRYPTION_KEYS = K2;
    const refused = BrokerProcess.node(join(REPO, 'dist', 'main.js'), brokers.dir, brokers.env);
    brokers.runs.push(refused);
    const line = await refused.line(/start-up failed/);
    expect(line).toBe(
      'start-up failed: DATA_ENCRYPTION_KEYS cannot open a stored webhook secret: the key "k1" that encrypted this secret is not in DATA_ENCRYPTION_KEYS; put the old key back (after the new one) until a start has resealed them',
    );
    await refused.stop();
    expect(refused.child.exitCode).toBe(1);
    expect(refused.lines.filter((printed) => printed.includes('DATA_ENCRYPTION_KEYS'))).toEqual([
      line,
    ]);
    expect(refused.output).not.toContain(K1.slice(3));
    expect(refused.output).not.toContain(K2.slice(3));

    // No key at all is the same mistake: every call change would fail opening that secret.
    delete brokers.env.DATA_ENCRYPTION_KEYS;
    const keyless = BrokerProcess.node(join(REPO, 'dist', 'main.js'), brokers.dir, brokers.env);
    brokers.runs.push(keyless);
    expect(await keyless.line(/start-up failed/)).toBe(line);
    await keyless.stop();
    expect(keyless.child.exitCode).toBe(1);

    brokers.env.DATA_ENCRYPTION_KEYS = `${K2},${K1}`;
    const again = await brokers.start();
    const listed = await brokers.api(again.url, 'GET', '/v1/webhooks', 'erp');
    expect(listed.body.webhooks).toHaveLength(1);
  });
});

describe('webhooks without DATA_ENCRYPTION_KEYS in production', () => {
  let sut: BrokerHarness;
  beforeAll(async () => {
    sut = await new BrokerHarness({
      env: { DATA_ENCRYPTION_KEYS: '', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:9' },
    }).start();
  });
  afterAll(() => sut.stop());

  it('refuses to store a signing secret it could only keep in plain text', async () => {
    const created = await sut.api('POST', '/v1/webhooks', {
      as: 'erp',
      body: { url: 'http://127.0.0.1:9/in', eventTypes: ['call.created'] },
    });
    expect(created.status).toBe(409);
    expect(created.body.message).toMatch(/DATA_ENCRYPTION_KEYS is not set/);
    expect((await sut.api('GET', '/v1/webhooks', { as: 'erp' })).body).toEqual({
      webhooks: [],
      nextCursor: null,
    });
  });
});
