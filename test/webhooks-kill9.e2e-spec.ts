import { jest } from '@jest/globals';
import { waitFor } from './support/broker-harness.js';
import { ProductionBrokers } from './support/production-broker.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

describe('kill -9 of the broker while a webhook delivery is in flight', () => {
  jest.setTimeout(120_000);
  const brokers = new ProductionBrokers('webhook-kill9');
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    await brokers.setUp({
      env: {
        WEBHOOK_ALLOWED_HOSTS: receiver.allowListEntry,
        WEBHOOK_TIMEOUT_MS: '10000',
        OUTBOX_LEASE_MS: '2000',
        OUTBOX_POLL_INTERVAL_MS: '50',
      },
    });
  });

  afterAll(async () => {
    await brokers.tearDown();
    await receiver.close();
  });

  const startBroker = async () => (await brokers.start()).url;
  const post = async (url: string, path: string, body?: unknown) =>
    (await brokers.api(url, 'POST', path, 'erp', { body })).body;

  it('loses nothing: the next broker takes the lapsed claim over, each message arrives once, in order', async () => {
    const first = await startBroker();
    const hook = await post(first, '/v1/webhooks', {
      url: `${receiver.url}/hooks`,
      eventTypes: ['call.created', 'call.status_changed', 'call.ended'],
    });
    receiver.trust(hook.secret);
    // The first delivery hangs at the receiver, so the broker dies holding its claim.
    receiver.script({ kind: 'slow', delayMs: 5_000 });
    const call = await post(first, '/v1/calls', {
      technicianId: 'tom',
      expertIds: ['erika'],
      title: 'P7',
    });
    await post(first, `/v1/calls/${call.id}/cancel`);
    await waitFor(
      async () => receiver.received.length,
      (n) => n >= 1,
    );
    await brokers.runs[0].stop('SIGKILL');
    expect(receiver.ofCall(call.id)).toEqual([]);

    await startBroker();
    const hooks = await waitFor(
      async () => receiver.ofCall(call.id),
      (got) => got.length >= 4,
      15_000,
    );
    expect(hooks.map((h) => h.type)).toEqual([
      'call.created',
      'call.status_changed',
      'call.status_changed',
      'call.ended',
    ]);
    const seqs = hooks.map((h) => h.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs[0]).toBe(0);
    expect(receiver.refusedSignatures).toEqual([]);
  });
});
