import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { poisonEventTypes } from './support/poisoned-events.js';

const databases = await brokerDatabases('upstream events');

const ask = { expertIds: ['erika'], title: 'Pump 7 vibration' };

describe.each(databases)('upstream events on $name', ({ create }) => {
  let sut: BrokerHarness;

  afterEach(async () => {
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  async function eventsOf(callId: string): Promise<any[]> {
    return (await sut.api('GET', `/v1/calls/${callId}/events`, { as: 'sam' })).body.events;
  }

  it('keeps following a call whose events do not fit the columns, and says what it cut', async () => {
    sut = await new BrokerHarness({ database: create }).start();
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    const longType = `Long${'T'.repeat(300)}`;
    sut.simulator.state.addEvent(call.xassistCallId, { type: longType });
    sut.simulator.state.addEvent(call.xassistCallId, { type: 'Chat', id: 'i'.repeat(300) });
    sut.simulator.state.addEvent(call.xassistCallId, { type: 'Chat', id: 'i'.repeat(299) + 'j' });
    sut.simulator.state.addEvent(call.xassistCallId, { type: 'Nul\u0000Type' });
    sut.simulator.state.join(call.xassistCallId, 'erika');

    const joined = await sut.waitForCall(call.id, (c) => c.status === 'expert_joined');
    expect(joined.status).toBe('expert_joined');
    const events = await eventsOf(call.id);
    const types = events.map((e) => e.type);
    expect(types).toContain('status.expert_joined');
    expect(types.filter((type) => type === 'xassist.Chat')).toHaveLength(2);
    const long = events.find((e) => e.type.startsWith('xassist.LongT'));
    expect(long.type).toHaveLength(128);
    expect(long.xassist).toMatchObject({
      type: longType,
      brokerNote: expect.stringMatching(/cut/),
    });
    const nul = events.find((e) => e.type.startsWith('xassist.Nul'));
    expect(nul.type).toBe('xassist.Nul\uFFFDType');
    expect(nul.xassist).toMatchObject({ type: 'Nul\u0000Type', brokerNote: expect.any(String) });

    // Taken in once: later polls neither repeat them nor fail.
    const polled = sut.simulator.stats.pollsByCall[call.xassistCallId];
    await waitFor(
      async () => sut.simulator.stats.pollsByCall[call.xassistCallId],
      (polls) => polls >= polled + 3,
    );
    expect(await eventsOf(call.id)).toHaveLength(events.length);
    expect(sut.log.lines.filter((line) => line.includes('recording a poll failed'))).toEqual([]);
  });

  it('takes in 6,000 new events from one poll', async () => {
    sut = await new BrokerHarness({ database: create }).start();
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    for (let i = 0; i < 6000; i++)
      sut.simulator.state.addEvent(call.xassistCallId, { type: 'Burst', comment: `burst ${i}` });
    sut.simulator.state.join(call.xassistCallId, 'erika');

    const joined = await sut.waitForCall(call.id, (c) => c.status === 'expert_joined', 15_000);
    expect(joined.status).toBe('expert_joined');
    expect(joined.seq).toBe(1 + 1 + 6000 + 1 + 1); // ringing, Created, bursts, Join, expert_joined
  });

  it('still ends an unanswered call at its deadline when the database refuses an event, and logs that once', async () => {
    sut = await new BrokerHarness({
      database: create,
      env: { EXPERT_ANSWER_TIMEOUT_MS: '1500' },
    }).start();
    await poisonEventTypes(sut.config.databaseUrl, ['xassist.Poison']);
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    await sut.waitForCall(call.id, (c) => c.seq >= 2); // xassist.Created is in
    sut.simulator.state.addEvent(call.xassistCallId, { type: 'Poison' });

    const ended = await sut.waitForCall(call.id, (c) => c.status !== 'ringing', 5000);
    expect(ended.status).toBe('unanswered');
    const failures = sut.log.lines.filter(
      (line) => line.includes('recording a poll failed') && line.includes('will try again'),
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('poisoned event refused');
    const summary = await waitFor(
      async () => sut.log.lines.filter((line) => line.includes('time(s) in a row')),
      (lines) => lines.length > 0,
    );
    expect(JSON.parse(summary[0])).toMatchObject({
      callId: call.id,
      times: expect.any(Number),
      msg: expect.stringMatching(/recording a poll failed \d+ time\(s\) in a row/),
    });
    expect(JSON.parse(summary[0]).times).toBeGreaterThan(1);
  });
});

describe('a call xAssist no longer knows', () => {
  let sut: BrokerHarness;

  beforeEach(async () => {
    sut = await new BrokerHarness({ env: { POLL_NOT_FOUND_TO_FAIL: '3' } }).start();
  });
  afterEach(async () => {
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  it('ends as failed, saying so, after 3 answers of 404 in a row, and is no longer polled', async () => {
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    sut.simulator.injectFault({
      kind: 'status',
      status: 404,
      count: 1000,
      path: 'rtc/getCallLogById',
    });
    const failed = await sut.waitForCall(call.id, (c) => c.status !== 'ringing');
    expect(failed).toMatchObject({
      status: 'failed',
      failureReason: expect.stringMatching(/^xAssist no longer knows the call: .*404 3 times/),
    });
    const polls = sut.simulator.stats.pollsByCall[call.xassistCallId];
    sut.simulator.clearFaults(); // the witness call is answered (and would fail too otherwise)
    await sut.whileAWitnessIsPolled(); // six ringing poll periods
    expect(sut.simulator.stats.pollsByCall[call.xassistCallId]).toBe(polls);
    const warnings = sut.log.lines.filter(
      (line) => line.includes('polling xAssist failed') && line.includes('will try again'),
    );
    expect(warnings).toHaveLength(1);
  });

  it('is not failed by 404s that a good answer interrupts', async () => {
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    for (let round = 0; round < 3; round++) {
      // Two 404s (never retried: xAssist answered), then one good answer.
      const polls = sut.simulator.requestCount('rtc/getCallLogById');
      sut.simulator.injectFault({ kind: 'status', status: 404, count: 2, path: 'getCallLogById' });
      await waitFor(
        async () => sut.simulator.requestCount('rtc/getCallLogById'),
        (count) => count >= polls + 3,
      );
    }
    sut.simulator.state.join(call.xassistCallId, 'erika');
    expect((await sut.waitForCall(call.id, (c) => c.status !== 'ringing')).status).toBe(
      'expert_joined',
    );
  });
});
