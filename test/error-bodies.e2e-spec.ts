import { BrokerHarness } from './support/broker-harness.js';
import { RecordingClient } from './support/socket-client.js';

const ask = { expertIds: ['erika'], title: 'Pump 7 vibration' };

/**
 * What clients see when xAssist fails: a stable code and a plain message. xAssist's own text and
 * the connector's account stay in the log, where an operator needs them.
 */
describe('error bodies keep upstream and account details from clients', () => {
  let sut: BrokerHarness;

  afterEach(async () => {
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  /** Everything a client could read about the call: the answer, the call, its events, the socket. */
  async function whatClientsSee(answer: { body: any }): Promise<string> {
    const id = answer.body.call.id;
    const call = await sut.api('GET', `/v1/calls/${id}`, { as: 'tom' });
    const events = await sut.api('GET', `/v1/calls/${id}/events`, { as: 'tom' });
    const sam = await RecordingClient.connect(sut.url, sut.token('sam'));
    const replay: any = await sam.socket.emitWithAck('call.subscribe', { callId: id, afterSeq: 0 });
    sam.close();
    return JSON.stringify([answer.body, call.body, events.body, replay]);
  }

  it('xAssist refusing the call: 502 xassist_rejected, its text only in the log', async () => {
    sut = await new BrokerHarness().start();
    sut.simulator.injectFault({ kind: 'status', status: 400, count: 1, path: 'rtc/createCall' });
    const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({
      statusCode: 502,
      code: 'xassist_rejected',
      message: 'xAssist refused the call',
      call: { status: 'failed', failureReason: 'xAssist refused the call' },
    });
    expect(await whatClientsSee(answer)).not.toMatch(/injected fault/);
    expect(sut.log.lines.some((line) => line.includes('injected fault'))).toBe(true);
  });

  it('xAssist failing: 503 xassist_unavailable, its status and text only in the log', async () => {
    sut = await new BrokerHarness().start();
    sut.simulator.injectFault({ kind: 'status', status: 500, count: 5, path: 'rtc/createCall' });
    const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({
      code: 'xassist_unavailable',
      message: 'xAssist could not be reached; try again later',
      call: { status: 'failed', failureReason: 'xAssist could not be reached' },
    });
    const seen = await whatClientsSee(answer);
    expect(seen).not.toMatch(/injected fault|answered 500|createCall/);
    expect(
      sut.log.lines.some((line) => line.includes('answered 500 to rtc/createCall: injected fault')),
    ).toBe(true);
  });

  // A refusal like any other (issue 9 finding 5): 502, as docs/architecture.md says.
  // Its own code (review finding): the broker's credentials, not the call, were refused.
  it("the connector's login refused: 502 xassist_credentials_refused without the xAssist username", async () => {
    sut = await new BrokerHarness({ env: { XASSIST_USERNAME: 'svc-broker-acme' } }).start();
    const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({
      code: 'xassist_credentials_refused',
      message:
        "xAssist refused the broker's own credentials; an operator must fix the xAssist account",
    });
    expect(await whatClientsSee(answer)).not.toMatch(/svc-broker-acme|login/);
    expect(sut.log.lines.some((line) => line.includes('svc-broker-acme'))).toBe(true);
  });
});
