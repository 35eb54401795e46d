import { BrokerHarness, waitFor } from './support/broker-harness.js';

const ask = (title: string) => ({ expertIds: ['erika'], title });

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
    await new Promise((resolve) => setTimeout(resolve, 200)); // a few more polls of A
    const { body: events } = await sut.api('GET', `/v1/calls/${first.id}/events`, { as: 'tom' });
    expect(events.events.map((e: any) => e.type)).toEqual(['status.ringing', 'xassist.Created']);
    expect((await sut.api('GET', `/v1/calls/${first.id}`, { as: 'tom' })).body.status).toBe(
      'ringing',
    );
    expect(sut.log.lines.some((line) => /another call/.test(line))).toBe(true);
  });
});
