import { jest } from '@jest/globals';
import { waitFor } from './support/broker-harness.js';
import { ProductionBrokers } from './support/production-broker.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/**
 * SIGTERM: the broker finishes its work (here a webhook delivery the receiver holds for seconds)
 * before it stops listening, and /readyz answers 503 from the first moment of it, so a load
 * balancer sends its new clients elsewhere meanwhile (issue 20).
 */
describe('readiness while shutting down', () => {
  jest.setTimeout(60_000);
  const brokers = new ProductionBrokers('shutdown-readiness');
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    await brokers.setUp({
      env: { WEBHOOK_ALLOWED_HOSTS: receiver.allowListEntry, WEBHOOK_TIMEOUT_MS: '10000' },
    });
  });

  afterAll(async () => {
    await brokers.tearDown();
    await receiver.close();
  });

  it('answers /readyz 503 from SIGTERM on, while the delivery under way finishes', async () => {
    const { run, url } = await brokers.start();
    const post = async (path: string, body?: unknown) =>
      (await brokers.api(url, 'POST', path, 'erp', { body })).body;
    const hook = await post('/v1/webhooks', {
      url: `${receiver.url}/hooks`,
      eventTypes: ['call.created'],
    });
    receiver.trust(hook.secret);
    receiver.script({ kind: 'slow', delayMs: 5_000 });
    await post('/v1/calls', { technicianId: 'tom', expertIds: ['erika'], title: 'P7' });
    await waitFor(
      async () => receiver.received.length,
      (n) => n >= 1,
    );
    expect((await brokers.api(url, 'GET', '/readyz', 'erp')).status).toBe(200);

    const stopped = run.stop('SIGTERM');
    const answer = await waitFor(
      () => brokers.api(url, 'GET', '/readyz', 'erp'),
      (a) => a.status !== 200,
      4_000,
    );
    expect(answer.status).toBe(503);
    expect(answer.body.error.instance).toEqual({ status: 'down', message: 'shutting down' });
    await stopped;
  });
});
