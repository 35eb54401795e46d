import { BrokerHarness } from './support/broker-harness.js';

const ask = { expertIds: ['erika'], title: 'Pump 7 vibration' };

describe('calls when xAssist misbehaves', () => {
  let sut: BrokerHarness;

  beforeEach(async () => {
    sut = await new BrokerHarness().start();
  });
  afterEach(async () => {
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  it('answers 502 and keeps the call as failed when xAssist refuses it', async () => {
    sut.simulator.injectFault({ kind: 'status', status: 400, count: 1, path: 'rtc/createCall' });
    const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    expect(answer.status).toBe(502);
    expect(answer.body.message).toBe('xAssist refused the call');
    expect(answer.body.call).toMatchObject({
      status: 'failed',
      failureReason: expect.stringMatching(/refused/),
    });
    const kept = await sut.api('GET', `/v1/calls/${answer.body.call.id}`, { as: 'tom' });
    expect(kept.body.status).toBe('failed');
    const events = await sut.api('GET', `/v1/calls/${answer.body.call.id}/events`, { as: 'tom' });
    expect(events.body.events.map((e: any) => [e.seq, e.type])).toEqual([[1, 'status.failed']]);
  });

  it('answers 503, keeps the call as failed and sends createCall once when xAssist is down', async () => {
    sut.simulator.injectFault({ kind: 'status', status: 503, count: 5, path: 'rtc/createCall' });
    const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    expect(answer.status).toBe(503);
    expect(answer.body.call).toMatchObject({
      status: 'failed',
      failureReason: 'xAssist could not be reached',
    });
    expect(sut.simulator.requestCount('rtc/createCall')).toBe(1);
  });

  it('answers 503 when xAssist cannot be reached at all', async () => {
    await sut.simulator.close();
    const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    expect(answer.status).toBe(503);
    expect(answer.body.message).toMatch(/could not be reached/);
    const ready = await sut.api('GET', '/readyz');
    expect(ready.status).toBe(200);
    await sut.simulator.listen().catch(() => undefined);
  });

  it('logs in again when the xAssist token expires mid-call', async () => {
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    expect(sut.simulator.stats.logins).toBe(1);
    sut.simulator.state.expireTokens();
    sut.simulator.state.join(call.xassistCallId, 'erika');
    expect((await sut.waitForCall(call.id, (c) => c.status === 'expert_joined')).status).toBe(
      'expert_joined',
    );
    expect(sut.simulator.stats.logins).toBe(2);
  });

  it('rides out 5xx answers, HTML pages and malformed JSON while polling', async () => {
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    sut.simulator.injectFault({
      kind: 'status',
      status: 500,
      count: 3,
      path: 'rtc/getCallLogById',
    });
    sut.simulator.injectFault({ kind: 'html', count: 3, path: 'rtc/getCallLogById' });
    sut.simulator.injectFault({ kind: 'malformed', count: 3, path: 'rtc/getCallLogById' });
    sut.simulator.state.join(call.xassistCallId, 'erika');
    expect((await sut.waitForCall(call.id, (c) => c.status === 'expert_joined')).status).toBe(
      'expert_joined',
    );
    const { body } = await sut.api('GET', `/v1/calls/${call.id}/events`, { as: 'tom' });
    expect(body.events.map((e: any) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(sut.log.lines.some((line) => line.includes('polling xAssist failed'))).toBe(true);
  });

  it('resumes an unfinished call after a restart on the same database', async () => {
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    await sut.stopBroker();
    sut.simulator.state.join(call.xassistCallId, 'erika');
    sut.simulator.state.addEvent(call.xassistCallId, { type: 'Chat', comment: 'on my way' });
    await sut.startBroker();
    const joined = await sut.waitForCall(call.id, (c) => c.status === 'expert_joined');
    expect(joined).toMatchObject({ status: 'expert_joined', joinedExpertId: 'erika' });
    const { body } = await sut.api('GET', `/v1/calls/${call.id}/events`, { as: 'tom' });
    expect(body.events.map((e: any) => e.type)).toEqual([
      'status.ringing',
      'xassist.Created',
      'xassist.Join',
      'status.expert_joined',
      'xassist.Chat',
    ]);
  });
});
