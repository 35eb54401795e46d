import { BrokerHarness, waitFor } from './support/broker-harness.js';

const ask = (title: string) => ({ expertIds: ['erika'], title });

/** Waits until the broker has tried `count` more polls (failed ones included), or fails. */
async function waitForPollsTried(sut: BrokerHarness, count: number): Promise<void> {
  const wanted = (await sut.pollsTried()) + count;
  expect(
    await waitFor(
      () => sut.pollsTried(),
      (tried) => tried >= wanted,
    ),
  ).toBeGreaterThanOrEqual(wanted);
}

/** Issue 9: what the broker does when xAssist answers wrongly (findings 5 and 6). */
describe('the broker against a misbehaving xAssist', () => {
  let sut: BrokerHarness;

  afterEach(async () => {
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  it('never applies a poll answer that is for another call (finding 6)', async () => {
    sut = await new BrokerHarness().start();
    const { body: first } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask('A') });
    const { body: second } = await sut.api('POST', '/v1/calls', { as: 'tina', body: ask('B') });
    sut.simulator.state.join(second.xassistCallId, 'erika');
    sut.simulator.injectFault({ kind: 'mismatch', count: 6 });

    expect((await sut.waitForCall(second.id, (c) => c.status === 'expert_joined')).status).toBe(
      'expert_joined',
    );
    await waitFor(
      async () => sut.simulator.faults.list().length,
      (left) => left === 0,
    );
    await sut.morePolls(first.xassistCallId, 4); // a few more polls of A, answered rightly
    const { body: events } = await sut.api('GET', `/v1/calls/${first.id}/events`, { as: 'tom' });
    expect(events.events.map((e: any) => e.type)).toEqual(['status.ringing', 'xassist.Created']);
    expect((await sut.api('GET', `/v1/calls/${first.id}`, { as: 'tom' })).body.status).toBe(
      'ringing',
    );
    expect(sut.log.lines.some((line) => /another call/.test(line))).toBe(true);
  });

  it('with a wrong xAssist password: says so once at start-up, is not ready, answers 502 (finding 5)', async () => {
    sut = await new BrokerHarness({ env: { XASSIST_PASSWORD: 'not-the-password' } }).start();
    const ready = await waitFor(
      () => sut.api('GET', '/readyz'),
      (answer) => answer.status === 503,
    );
    expect(ready.status).toBe(503);
    expect(ready.body.error.xassist).toMatchObject({
      status: 'down',
      login: 'refused',
      reason: expect.stringMatching(/refused the broker's credentials \(401\); 1 refusal/),
    });
    expect(JSON.stringify(ready.body)).not.toMatch(/Bad credentials|connector/);
    expect(sut.simulator.stats.failedLogins).toBe(1);

    for (let i = 0; i < 5; i++) {
      const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask(`try ${i}`) });
      expect(answer.status).toBe(502);
      expect(answer.body).toMatchObject({
        code: 'xassist_credentials_refused',
        call: { status: 'failed' },
      });
    }
    expect(sut.simulator.stats.failedLogins).toBe(1);
    const loud = sut.log.lines.filter((line) => line.includes('xAssist refused the login'));
    expect(loud).toHaveLength(1);
    expect(loud[0]).toMatch(/XASSIST_PASSWORD/);
  });

  it('while calls are followed, a refused login is tried once per pause, not per poll (finding 5)', async () => {
    sut = await new BrokerHarness().start();
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask('A') });
    sut.simulator.state.expireTokens();
    sut.simulator.injectFault({ kind: 'refuse-login', count: 1, forMs: 60_000 });
    await waitFor(
      () => sut.api('GET', '/readyz'),
      (answer) => answer.status === 503,
    );
    const pollsRefused = sut.simulator.requestCount('rtc/getCallLogById');
    // Twenty more polls tried by the broker: each would have logged in again before.
    await waitForPollsTried(sut, 20);
    expect(sut.simulator.stats.failedLogins).toBe(1);
    expect(sut.simulator.requestCount('rtc/getCallLogById')).toBe(pollsRefused);
    expect((await sut.api('GET', `/v1/calls/${call.id}`, { as: 'tom' })).body.status).toBe(
      'ringing',
    );
    const loud = sut.log.lines.filter((line) => line.includes('xAssist refused the login'));
    expect(loud).toHaveLength(1);
  });

  it('while the login is refused, failed polls of many calls log one line per pause, not one per call', async () => {
    sut = await new BrokerHarness().start();
    for (const title of ['A', 'B', 'C', 'D', 'E', 'F']) {
      await sut.api('POST', '/v1/calls', { as: 'tom', body: ask(title) });
    }
    sut.simulator.state.expireTokens();
    sut.simulator.injectFault({ kind: 'refuse-login', count: 1, forMs: 60_000 });
    await waitFor(
      () => sut.api('GET', '/readyz'),
      (answer) => answer.status === 503,
    );
    // Twenty polls tried for each of the six calls.
    await waitForPollsTried(sut, 6 * 20);
    const pollFailures = sut.log.lines.filter(
      (line) => line.includes('polling xAssist failed') && line.includes('XAssistAuthError'),
    );
    expect(pollFailures.length).toBeGreaterThanOrEqual(1);
    expect(pollFailures.length).toBeLessThanOrEqual(sut.simulator.stats.failedLogins);
  });
});
