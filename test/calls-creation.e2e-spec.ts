import { BrokerHarness, waitFor } from './support/broker-harness.js';

const ask = { expertIds: ['erika'], title: 'Pump 7 vibration' };

describe('creating a call while others act on it', () => {
  let sut: BrokerHarness;

  beforeEach(async () => {
    sut = await new BrokerHarness().start();
  });
  afterEach(async () => {
    await sut.stop();
  });

  /** The call the broker holds in `creating` while xAssist is still answering createCall. */
  async function creatingCall(): Promise<any> {
    const listed = await waitFor(
      async () => (await sut.api('GET', '/v1/calls?status=active', { as: 'sam' })).body.calls,
      (calls: any[]) => calls.some((call) => call.status === 'creating'),
    );
    return listed.find((call: any) => call.status === 'creating');
  }

  it('answers the creator with the cancelled call when a cancel lands while xAssist answers', async () => {
    sut.simulator.injectFault({ kind: 'slow', delayMs: 700, count: 1, path: 'rtc/createCall' });
    const creation = sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    const call = await creatingCall();
    const cancel = await sut.api('POST', `/v1/calls/${call.id}/cancel`, { as: 'tom' });
    expect(cancel.status).toBe(200);
    const created = await creation;
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: call.id, status: 'cancelled' });
    expect(
      sut.log.lines.filter((line) => line.includes('creating the call on xAssist failed')),
    ).toEqual([]);
    const events = await sut.api('GET', `/v1/calls/${call.id}/events`, { as: 'tom' });
    expect(events.body.events.map((e: any) => e.type)).toEqual([
      'status.cancelled',
      'xassist.Created',
    ]);
    expect(sut.simulator.state.listCalls().map((log) => log.callId)).toEqual([
      (await sut.api('GET', `/v1/calls/${call.id}`, { as: 'tom' })).body.xassistCallId,
    ]);
  });
});
