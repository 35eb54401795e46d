import { BrokerHarness, waitFor } from './support/broker-harness.js';

const ask = { expertIds: ['erika'], title: 'Pump 7 vibration' };

describe('a call from creation to each end status', () => {
  let sut: BrokerHarness;

  beforeAll(async () => {
    sut = await new BrokerHarness({
      env: { EXPERT_ANSWER_TIMEOUT_MS: '1500', TECHNICIAN_JOIN_TIMEOUT_MS: '1500' },
    }).start();
  });
  afterAll(async () => {
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  it('creates the xAssist call as the broker pattern says, then follows it to ended', async () => {
    const created = await sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { ...ask, reason: 'SERVICE_REQUEST' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'ringing',
      title: 'Pump 7 vibration',
      reason: 'SERVICE_REQUEST',
      callType: 'MESH',
      technician: { id: 'tom', displayName: 'Tom Technician' },
      experts: [{ id: 'erika', displayName: 'Erika Expert' }],
      joinedExpertId: null,
      failureReason: null,
    });
    const call = created.body;
    expect(sut.simulator.state.createCallBodies.at(-1)).toEqual({
      callTitle: 'Pump 7 vibration',
      callReason: 'SERVICE_REQUEST',
      callType: 'MESH',
      invitedContacts: [
        {
          displayName: 'Erika Expert',
          domain: 'acme',
          email: 'erika@acme.example',
          phoneNumber: '+49 1',
          userDbId: 8,
          userId: 'erika',
        },
        {
          displayName: 'Expert Call Broker',
          domain: 'acme',
          email: 'broker@example.invalid',
          phoneNumber: '',
          userDbId: 1,
          userId: 'broker',
        },
      ],
      invitedTeams: [],
      joinAnonymousAllowed: false,
      informOthersDirectly: true,
      creatorUser: 12,
      plannedDateTime: null,
    });

    sut.simulator.state.join(call.xassistCallId, 'erika');
    const joined = await sut.waitForCall(call.id, (c) => c.status === 'expert_joined');
    expect(joined).toMatchObject({ status: 'expert_joined', joinedExpertId: 'erika' });
    expect(joined.expertJoinedAt).not.toBeNull();

    sut.simulator.state.join(call.xassistCallId, 'tom');
    expect(
      (await sut.waitForCall(call.id, (c) => c.status === 'connected')).connectedAt,
    ).not.toBeNull();

    sut.simulator.state.end(call.xassistCallId);
    const ended = await sut.waitForCall(call.id, (c) => c.status === 'ended');
    expect(ended.endedAt).not.toBeNull();

    const { body } = await sut.api('GET', `/v1/calls/${call.id}/events`, { as: 'tom' });
    expect(body.events.map((e: any) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(body.events.map((e: any) => e.type)).toEqual([
      'status.ringing',
      'xassist.Created',
      'xassist.Join',
      'status.expert_joined',
      'xassist.Join',
      'status.connected',
      'status.ended',
    ]);
    expect(body.events[2]).toMatchObject({
      callId: call.id,
      status: 'ringing',
      xassist: { type: 'Join', contact: { userId: 'erika' } },
    });
    const after = await sut.api('GET', `/v1/calls/${call.id}/events?afterSeq=5`, { as: 'tom' });
    expect(after.body.events.map((e: any) => e.seq)).toEqual([6, 7]);
  });

  it('ends when everyone has left', async () => {
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    sut.simulator.state.join(call.xassistCallId, 'erika');
    sut.simulator.state.join(call.xassistCallId, 'tom');
    await sut.waitForCall(call.id, (c) => c.status === 'connected');
    sut.simulator.state.leave(call.xassistCallId, 'erika');
    sut.simulator.state.leave(call.xassistCallId, 'tom');
    expect((await sut.waitForCall(call.id, (c) => c.status === 'ended')).status).toBe('ended');
  });

  it('becomes unanswered when no expert joins in time, and stops polling', async () => {
    const { body: call } = await sut.api('POST', '/v1/calls', {
      as: 'erp',
      body: { ...ask, technicianId: 'tina' },
    });
    const unanswered = await sut.waitForCall(call.id, (c) => c.status === 'unanswered');
    expect(unanswered.status).toBe('unanswered');
    expect(
      Date.parse(unanswered.endedAt) - Date.parse(unanswered.ringingAt),
    ).toBeGreaterThanOrEqual(1500);
    // The deadline ends the call on its own timer: a poll sent just before may still be on its
    // way to the simulator. Counted once it has come back; none may follow.
    await sut.pollsSettled();
    const polls = sut.simulator.stats.pollsByCall[call.xassistCallId];
    expect(polls).toBeGreaterThan(3);
    await sut.whileAWitnessIsPolled();
    expect(sut.simulator.stats.pollsByCall[call.xassistCallId]).toBe(polls);
  });

  it('becomes missed when the technician does not join after the expert', async () => {
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    sut.simulator.state.join(call.xassistCallId, 'erika');
    await sut.waitForCall(call.id, (c) => c.status === 'expert_joined');
    const missed = await sut.waitForCall(call.id, (c) => c.status === 'missed');
    expect(missed.status).toBe('missed');
  });

  it('is cancelled before it connects, and not after', async () => {
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    const cancelled = await sut.api('POST', `/v1/calls/${call.id}/cancel`, { as: 'tom' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled' });
    const again = await sut.api('POST', `/v1/calls/${call.id}/cancel`, { as: 'tom' });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/cancelled and can no longer be cancelled/);
    const polls = sut.simulator.stats.pollsByCall[call.xassistCallId] ?? 0;
    sut.simulator.state.join(call.xassistCallId, 'erika');
    await sut.whileAWitnessIsPolled();
    expect((await sut.api('GET', `/v1/calls/${call.id}`, { as: 'tom' })).body.status).toBe(
      'cancelled',
    );
    expect(sut.simulator.stats.pollsByCall[call.xassistCallId] ?? 0).toBeLessThanOrEqual(polls + 1);
  });

  it('uses SFU for more than one expert and refuses MESH for them', async () => {
    const sfu = await sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { ...ask, expertIds: ['erika', 'ed'] },
    });
    expect(sfu.status).toBe(201);
    expect(sfu.body.callType).toBe('SFU');
    expect(
      (sut.simulator.state.createCallBodies.at(-1) as any).invitedContacts.map(
        (c: any) => c.userId,
      ),
    ).toEqual(['erika', 'ed', 'broker']);
    const mesh = await sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { ...ask, expertIds: ['erika', 'ed'], callType: 'MESH' },
    });
    expect(mesh.status).toBe(422);
  });

  it('keeps an xAssist event of a type nobody knows', async () => {
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    sut.simulator.state.addEvent(call.xassistCallId, {
      type: 'ArMarkerPlaced',
      comment: 'valve 3',
      asset: { id: 7 },
    });
    const events = await waitForEvents(sut, call.id, (types) =>
      types.includes('xassist.ArMarkerPlaced'),
    );
    const marker = events.find((e: any) => e.type === 'xassist.ArMarkerPlaced');
    expect(marker).toMatchObject({
      status: 'ringing',
      xassist: { type: 'ArMarkerPlaced', comment: 'valve 3', asset: { id: 7 } },
    });
    expect(events.filter((e: any) => e.type === 'xassist.ArMarkerPlaced')).toHaveLength(1);
  });

  it('pages through calls newest first', async () => {
    const first = await sut.api('GET', '/v1/calls?status=all&limit=2', { as: 'sam' });
    expect(first.body.calls).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await sut.api(
      'GET',
      `/v1/calls?status=all&limit=2&cursor=${first.body.nextCursor}`,
      { as: 'sam' },
    );
    const ids = [...first.body.calls, ...second.body.calls].map((c: any) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const all = (await sut.api('GET', '/v1/calls?status=all&limit=100', { as: 'sam' })).body.calls;
    expect(all.map((c: any) => c.createdAt)).toEqual(
      [...all.map((c: any) => c.createdAt)].sort().reverse(),
    );
    expect(all.slice(0, 4).map((c: any) => c.id)).toEqual(ids);
    const ended = (await sut.api('GET', '/v1/calls?status=ended&limit=100', { as: 'sam' })).body
      .calls;
    expect(
      ended.every((c: any) =>
        ['ended', 'failed', 'unanswered', 'missed', 'cancelled'].includes(c.status),
      ),
    ).toBe(true);
  });

  it('answers health and readiness', async () => {
    expect((await sut.api('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await sut.api('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.details).toMatchObject({
      database: { status: 'up' },
      xassist: { status: 'up', circuit: 'closed' },
    });
    const metrics = await sut.api('GET', '/metrics');
    expect(metrics.body).toMatch(/broker_calls_created_total\{outcome="ringing"\} \d+/);
  });
});

async function waitForEvents(
  sut: BrokerHarness,
  callId: string,
  predicate: (types: string[]) => boolean,
): Promise<any[]> {
  return waitFor(
    async () => (await sut.api('GET', `/v1/calls/${callId}/events`, { as: 'sam' })).body.events,
    (events) => predicate(events.map((e: any) => e.type)),
  );
}
