import { WebhookSender } from '../src/webhooks/webhook-sender.js';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const ask = { technicianId: 'tom', expertIds: ['erika'], title: 'Pump 7 vibration' };
const ALL_TYPES = ['call.created', 'call.status_changed', 'call.ended', 'offer.accepted'];
/** What a call asked for and cancelled gives a webhook subscribed to everything. */
const CANCELLED_CALL = ['call.created', 'call.status_changed', 'call.status_changed', 'call.ended'];
const RATE_PER_SECOND = 20;

describe.each(await brokerDatabases('webhooks'))('webhooks on $name', ({ create }) => {
  let sut: BrokerHarness;
  let receiver: WebhookReceiver;
  /** The receiver that answers 410 Gone; started here, as the allow-list names each port. */
  let gone: WebhookReceiver;
  let webhookId: string;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    gone = await new WebhookReceiver().start();
    sut = await new BrokerHarness({
      database: create,
      env: {
        WEBHOOK_ALLOWED_HOSTS: `${receiver.allowListEntry},${gone.allowListEntry}`,
        WEBHOOK_RETRY_BASE_MS: '50',
        WEBHOOK_RETRY_MAX_MS: '200',
        WEBHOOK_MAX_ATTEMPTS: '6',
        WEBHOOK_TIMEOUT_MS: '400',
        WEBHOOK_RATE_PER_SECOND: String(RATE_PER_SECOND),
        OUTBOX_POLL_INTERVAL_MS: '50',
        OUTBOX_LEASE_MS: '2000',
        // Each attempt's own outcome is under test here, so the circuit never opens (more
        // failures in a row than WEBHOOK_MAX_ATTEMPTS); the dispatcher's spec tests the circuit.
        WEBHOOK_CIRCUIT_FAILURES: '20',
      },
    }).start();
    const created = await sut.api('POST', '/v1/webhooks', {
      as: 'erp',
      body: { url: `${receiver.url}/hooks`, eventTypes: ALL_TYPES, description: 'ERP' },
    });
    expect(created.status).toBe(201);
    webhookId = created.body.id;
    receiver.trust(created.body.secret);
  });
  afterAll(async () => {
    await sut.stop();
    await receiver.close();
    await gone.close();
  });

  /** A call asked for and cancelled at once: four messages for the webhook. */
  async function cancelledCall(): Promise<string> {
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'erp', body: ask });
    expect((await sut.api('POST', `/v1/calls/${call.id}/cancel`, { as: 'erp' })).status).toBe(200);
    return call.id;
  }

  const deliveredOf = (callIds: string[], count = CANCELLED_CALL.length) =>
    waitFor(
      async () => callIds.map((id) => receiver.ofCall(id)),
      (perCall) => perCall.every((hooks) => hooks.length >= count),
      15_000,
    );

  function expectInOrder(callId: string): void {
    const hooks = receiver.ofCall(callId);
    expect(hooks.map((hook) => hook.type)).toEqual(CANCELLED_CALL);
    const seqs = hooks.map((hook) => hook.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  }

  it('delivers each change of a call once, signed, in seq order, with the Call and the event', async () => {
    const callId = await cancelledCall();
    await deliveredOf([callId]);
    expectInOrder(callId);
    const [created, ringing, cancelled, ended] = receiver.ofCall(callId);
    expect(created.body.data).toMatchObject({ call: { id: callId, seq: 0 }, event: null });
    expect(ringing.body.data.event).toMatchObject({ type: 'status.ringing', seq: 1 });
    expect(cancelled.body.data.event).toMatchObject({ type: 'status.cancelled' });
    expect(ended.body).toMatchObject({
      type: 'call.ended',
      data: { call: { status: 'cancelled' } },
    });
    expect(Date.parse(ended.body.timestamp)).not.toBeNaN();
    expect(receiver.refusedSignatures).toEqual([]);
  });

  it('retries 5xx, 429 (honouring Retry-After) and timeouts: nothing lost, each once after dedup, in order', async () => {
    receiver.script({ kind: 'status', status: 503 }, 2);
    receiver.script({ kind: 'status', status: 429, retryAfter: '1' });
    receiver.script({ kind: 'slow', delayMs: 1_000 });
    const start = receiver.received.length;
    const callIds = [await cancelledCall(), await cancelledCall(), await cancelledCall()];
    await deliveredOf(callIds);
    for (const callId of callIds) expectInOrder(callId);
    const ids = callIds.flatMap((id) => receiver.ofCall(id).map((hook) => hook.id));
    expect(new Set(ids).size).toBe(callIds.length * CANCELLED_CALL.length);
    // The request after the 429 came no sooner than its Retry-After.
    const attempts = receiver.received.slice(start);
    const limited = attempts.find((request) => request.answeredStatus === 429)!;
    const again = attempts.find(
      (request) =>
        request.headers['webhook-id'] === limited.headers['webhook-id'] &&
        request.receivedAt > limited.receivedAt,
    )!;
    expect(again.receivedAt - limited.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it('keeps to the rate limit per webhook', async () => {
    // From the broker's own send times: when it asked the pacer for each request's slot. The
    // first slot is no earlier than that ask, each next one at least 1000 / RATE later, and a
    // request arrives no earlier than its slot; so the last arrival is at least (n - 1)
    // intervals after the first ask however late the machine ran any of them: no tolerance.
    const sender = sut.app!.get(WebhookSender);
    const deliver = sender.deliver.bind(sender);
    const asks: number[] = [];
    sender.deliver = (delivery, paced) =>
      deliver(delivery, () => {
        if (delivery.destinationId === webhookId) asks.push(Date.now());
        return paced();
      });
    try {
      const start = receiver.received.length;
      const callIds = await Promise.all([1, 2, 3, 4, 5].map(() => cancelledCall()));
      await deliveredOf(callIds);
      const arrivals = receiver.received.slice(start).map((request) => request.receivedAt);
      expect(arrivals.length).toBeGreaterThanOrEqual(callIds.length * CANCELLED_CALL.length);
      const span = Math.max(...arrivals) - Math.min(...asks);
      expect(span).toBeGreaterThanOrEqual(((arrivals.length - 1) * 1000) / RATE_PER_SECOND);
    } finally {
      sender.deliver = deliver;
    }
  });

  it('waits out a receiver that is down, then delivers everything', async () => {
    const port = Number(new URL(receiver.url).port);
    await receiver.close();
    const callId = await cancelledCall();
    await waitFor(
      async () => (await sut.api('GET', '/v1/deliveries?status=pending', { as: 'erp' })).body,
      (body) => body.deliveries.some((d: any) => d.callId === callId && d.attempts >= 2),
    );
    await receiver.start(port);
    await deliveredOf([callId]);
    expectInOrder(callId);
  });

  it('loses nothing when the broker stops between commit and delivery', async () => {
    receiver.script({ kind: 'status', status: 503 }, 100);
    const callId = await cancelledCall();
    await waitFor(
      async () => receiver.received.filter((r) => r.answeredStatus === 503).length,
      (refused) => refused > 0,
    );
    const port = sut.port;
    await sut.stopBroker();
    receiver.clearScript();
    await sut.startBroker(port);
    await deliveredOf([callId]);
    expectInOrder(callId);
  });

  it('dead-letters after the last attempt; a failed delivery can be retried by hand', async () => {
    receiver.script({ kind: 'status', status: 500 }, 6);
    const callId = await cancelledCall();
    const failed = await waitFor(
      async () => (await sut.api('GET', '/v1/deliveries?status=failed', { as: 'sam' })).body,
      (body) => body.deliveries.some((d: any) => d.callId === callId),
    );
    const dead = failed.deliveries.find((d: any) => d.callId === callId);
    expect(dead).toMatchObject({ status: 'failed', attempts: 6, webhookId, nextAttemptAt: null });
    expect(dead.lastError).toMatch(/gave up after 6 attempts: the receiver answered 500/);
    // A dead message does not hold up the ones after it: they arrive before it is retried.
    const after = await waitFor(
      async () => receiver.ofCall(callId).map((hook) => hook.type),
      (types) => types.length === CANCELLED_CALL.length - 1,
    );
    expect(after).not.toContain('call.created');
    const retried = await sut.api('POST', `/v1/deliveries/${dead.id}/retry`, { as: 'erp' });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'pending', attempts: 0 });
    await deliveredOf([callId]);
    // Retried, it arrives last, and each message arrives once.
    const types = receiver.ofCall(callId).map((hook) => hook.type);
    expect([...types].sort()).toEqual([...CANCELLED_CALL].sort());
    expect(types.at(-1)).toBe('call.created');
    const again = await sut.api('POST', `/v1/deliveries/${dead.id}/retry`, { as: 'erp' });
    expect(again.status).toBe(409);
  });

  it('disables a webhook whose receiver answers 410 Gone', async () => {
    const { body: hook } = await sut.api('POST', '/v1/webhooks', {
      as: 'erp',
      body: { url: `${gone.url}/old`, eventTypes: ['call.created'] },
    });
    gone.trust(hook.secret);
    gone.script({ kind: 'status', status: 410 }, 5);
    await cancelledCall();
    const disabled = await waitFor(
      async () => (await sut.api('GET', `/v1/webhooks/${hook.id}`, { as: 'erp' })).body,
      (body) => body.status === 'disabled',
    );
    expect(disabled.disabledReason).toMatch(/410/);
    const before = gone.received.length;
    await deliveredOf([await cancelledCall()]);
    expect(gone.received.length).toBe(before);
  });
});
