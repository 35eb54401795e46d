import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { RecordingClient } from './support/socket-client.js';

const ask = { expertIds: ['erika'], title: 'Pump 7 vibration' };

/** One sample of a Prometheus text exposition, or undefined. */
function sample(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('logs a person can follow', () => {
  let sut: BrokerHarness;

  beforeAll(async () => {
    sut = await new BrokerHarness().start();
  });
  afterAll(async () => sut.stop());

  it('carries a request id, echoed in the answer, and the caller', async () => {
    const answer = await sut.api('GET', '/v1/calls', { as: 'sam' });
    const id = answer.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await sut.accessLine(id!)).toMatchObject({
      personId: 'sam',
      req: { method: 'GET', url: '/v1/calls' },
      res: { statusCode: 200 },
    });
  });

  it("honours the caller's x-request-id, and refuses one that could forge a log line", async () => {
    const mine = await sut.api('GET', '/v1/calls', {
      as: 'tom',
      headers: { 'x-request-id': 'erp-4711.retry:2' },
    });
    expect(mine.headers.get('x-request-id')).toBe('erp-4711.retry:2');
    expect(await sut.accessLine('erp-4711.retry:2')).toMatchObject({ personId: 'tom' });

    const forged = await sut.api('GET', '/v1/calls', {
      as: 'tom',
      headers: { 'x-request-id': `a"}{"level":60 ${'x'.repeat(200)}` },
    });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('names no caller for a request without a valid token', async () => {
    const answer = await sut.api('GET', '/v1/calls');
    expect(answer.status).toBe(401);
    expect((await sut.accessLine(answer.headers.get('x-request-id')!)).personId).toBeUndefined();
  });

  it('logs an expected 503 (xAssist down) as a warning without a stack trace', async () => {
    sut.simulator.injectFault({ kind: 'status', status: 503, count: 5, path: 'rtc/createCall' });
    const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    expect(answer.status).toBe(503);
    const line = await sut.accessLine(answer.headers.get('x-request-id')!);
    expect(line).toMatchObject({ level: 40, personId: 'tom', res: { statusCode: 503 } });
    expect(line.err).toBeUndefined();
    expect(sut.log.lines.filter((l) => l.includes('"stack"'))).toEqual([]);
    sut.simulator.clearFaults();
  });
});

describe('Prometheus metrics of calls and sockets', () => {
  let sut: BrokerHarness;

  beforeAll(async () => {
    sut = await new BrokerHarness({ env: { EXPERT_ANSWER_TIMEOUT_MS: '600000' } }).start();
  });
  afterAll(async () => sut.stop());

  const scrape = async () => (await sut.api('GET', '/metrics')).body as string;

  it('times answer and connection, and counts outcomes by final status', async () => {
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    sut.simulator.state.join(call.xassistCallId, 'erika');
    await sut.waitForCall(call.id, (c) => c.status === 'expert_joined');
    expect(sample(await scrape(), 'broker_call_time_to_answer_seconds_count')).toBe(1);
    expect(sample(await scrape(), 'broker_call_time_to_connect_seconds_count')).toBe(0);

    sut.simulator.state.join(call.xassistCallId, 'tom');
    await sut.waitForCall(call.id, (c) => c.status === 'connected');
    sut.simulator.state.end(call.xassistCallId);
    await sut.waitForCall(call.id, (c) => c.status === 'ended');
    const { body: cancelled } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    expect((await sut.api('POST', `/v1/calls/${cancelled.id}/cancel`, { as: 'tom' })).status).toBe(
      200,
    );

    const metrics = await waitFor(scrape, (m) => m.includes('status="cancelled"'));
    expect(sample(metrics, 'broker_call_time_to_answer_seconds_count')).toBe(1);
    expect(sample(metrics, 'broker_call_time_to_connect_seconds_count')).toBe(1);
    expect(sample(metrics, 'broker_call_outcomes_total{status="ended"}')).toBe(1);
    expect(sample(metrics, 'broker_call_outcomes_total{status="cancelled"}')).toBe(1);
    const answeredIn = sample(metrics, 'broker_call_time_to_answer_seconds_sum')!;
    expect(answeredIn).toBeGreaterThan(0);
    expect(sample(metrics, 'broker_call_time_to_connect_seconds_sum')).toBeGreaterThan(answeredIn);
  });

  it('gauges the authenticated sockets open now', async () => {
    const gauge = async () => sample(await scrape(), 'broker_connected_sockets');
    expect(await gauge()).toBe(0);
    const clients = await Promise.all(
      ['tom', 'erika', 'sam'].map((id) => RecordingClient.connect(sut.url, sut.token(id))),
    );
    expect(await waitFor(gauge, (n) => n === 3)).toBe(3);
    clients[0].close();
    expect(await waitFor(gauge, (n) => n === 2)).toBe(2);
    clients.slice(1).forEach((client) => client.close());
    expect(await waitFor(gauge, (n) => n === 0)).toBe(0);
  });
});
