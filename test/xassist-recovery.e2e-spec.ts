import { BrokerHarness } from './support/broker-harness.js';
import { RecordingClient } from './support/socket-client.js';

/**
 * Issue 9, finding 1: a short xAssist blip (expired token, then 503s, then HTML 502 pages) must
 * not blind the broker for long. Production breaker settings and poll interval: the harness's
 * fast test values are switched back to the defaults ('' means unset).
 */
describe('recovery after an xAssist blip', () => {
  let sut: BrokerHarness;
  const clients: RecordingClient[] = [];

  beforeEach(async () => {
    sut = await new BrokerHarness({
      env: {
        XASSIST_BREAKER_THRESHOLD: '',
        XASSIST_BREAKER_HALF_OPEN_MS: '',
        POLL_INTERVAL_RINGING_MS: '',
        // 20 ringing calls of one technician: enough failed polls to reach the default threshold.
        QUOTA_ACTIVE_CALLS_PER_TECHNICIAN: '50',
        // The breaker is what this is about: a budget short of 20 polls a second and their
        // retries (the default 50) spreads the retries past the blip, so the circuit never opens.
        XASSIST_MAX_REQUESTS_PER_SECOND: '1000',
      },
    }).start();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  it('opens the circuit during a one-second blip on 20 ringing calls, and brings the first invite within 2 s of xAssist answering again', async () => {
    const tom = await RecordingClient.connect(sut.url, sut.token('tom'));
    clients.push(tom);
    const calls: Array<{ id: string; xassistCallId: string }> = [];
    for (let index = 0; index < 20; index++) {
      const answer = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { expertIds: ['erika'], title: `Pump ${index}` },
      });
      expect(answer.status).toBe(201);
      calls.push(answer.body);
    }
    // The blip: the token expires, xAssist answers 503 for half of it, then HTML 502 pages. It
    // begins as the second round of polls does, every call polled once before (the breaker's
    // window holds successes), so each call's next poll meets it.
    const blipMs = 1000;
    const healthyAt = await new Promise<number>((resolve) => {
      sut.simulator.onPoll = (callId) => {
        const polls = sut.simulator.stats.pollsByCall;
        if (polls[callId] < 2 || !calls.every((call) => polls[call.xassistCallId] >= 1)) return;
        sut.simulator.onPoll = undefined;
        sut.simulator.state.expireTokens();
        sut.simulator.injectFault({ kind: 'status', status: 503, count: 1, forMs: blipMs / 2 });
        sut.simulator.injectFault({ kind: 'html', status: 502, count: 1, forMs: blipMs });
        resolve(Date.now() + blipMs);
      };
    });
    for (const call of calls) sut.simulator.state.join(call.xassistCallId, 'erika');

    const invite = await tom.next('call.invite', () => true, 30_000);
    const recoveryMs = Date.now() - healthyAt;
    const circuit = sut.log.lines
      .filter((line) => line.includes('xAssist circuit breaker changed state'))
      .map((line) => JSON.parse(line).circuit);
    // It did open (10 of the last 20 operations failed), and closed again after one probe.
    expect(circuit).toContain('open');
    expect(circuit.at(-1)).toBe('closed');
    expect(calls.map((call) => call.id)).toContain(invite.call.id);
    expect(sut.simulator.stats.logins).toBeGreaterThanOrEqual(2);
    // The old breaker (retries counted apart, 10 s open) needed > 20 s. The 2 s target of issue 9
    // is measured by bench/xassist-recovery.mjs (median 590 ms); here the bound only tells the
    // two breakers apart, with room for a machine running two suites at once.
    expect(recoveryMs).toBeLessThan(10_000);
  });
});
