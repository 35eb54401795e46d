import { SystemClock } from '../src/common/clock.js';
import { loadConfig } from '../src/config/app-config.js';
import type { Delivery } from '../src/outbox/outbox.model.js';
import { WebhookSender } from '../src/webhooks/webhook-sender.js';
import type { WebhooksService } from '../src/webhooks/webhooks.service.js';
import { BrokerHarness } from './support/broker-harness.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/** Bad input on the webhook and delivery routes: each a clear 4xx naming the problem, never a 500. */
describe('webhook and delivery input', () => {
  let sut: BrokerHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    sut = await new BrokerHarness({
      env: { WEBHOOK_ALLOWED_HOSTS: receiver.allowListEntry },
    }).start();
  });
  afterAll(async () => {
    await sut.stop();
    await receiver.close();
  });

  const subscribe = (body: unknown, as = 'erp') => sut.api('POST', '/v1/webhooks', { as, body });
  const types = ['call.ended'];

  it.each([
    [
      'http outside the allow-list',
      { url: 'http://hooks.example.com/in', eventTypes: types },
      400,
      /https/,
    ],
    ['not a URL', { url: 'hooks', eventTypes: types }, 400, /absolute https URL/],
    [
      'a user and password',
      { url: 'https://u:p@hooks.example.com/', eventTypes: types },
      400,
      /password/,
    ],
    ['a private address', { url: 'https://10.1.2.3/in', eventTypes: types }, 422, /private/],
    ['IPv6 loopback', { url: 'https://[::1]/in', eventTypes: types }, 422, /loopback/],
    [
      'link-local (cloud metadata)',
      { url: 'https://169.254.169.254/', eventTypes: types },
      422,
      /link-local/,
    ],
    [
      'an unknown event type',
      { url: 'https://hooks.example.com/', eventTypes: ['call.exploded'] },
      400,
      /eventTypes must be one of/,
    ],
    ['no event types', { url: 'https://hooks.example.com/', eventTypes: [] }, 400, /eventTypes/],
    [
      'an unknown field',
      { url: 'https://hooks.example.com/', eventTypes: types, secret: 'x' },
      400,
      /secret/,
    ],
    [
      'a control character',
      { url: `${'https://x.example/'}`, eventTypes: types, description: 'a\u0007b' },
      400,
      /control/,
    ],
  ])('refuses %s', async (_name, body, status, message) => {
    const answer = await subscribe(body);
    expect(answer.status).toBe(status);
    expect(answer.body.message).toMatch(message);
  });

  it('lets only integrations manage webhooks (403), and answers 404 for unknown ids', async () => {
    const body = { url: `${receiver.url}/in`, eventTypes: types };
    for (const as of ['tom', 'erika', 'sam']) expect((await subscribe(body, as)).status).toBe(403);
    expect((await sut.api('GET', '/v1/webhooks', { as: 'sam' })).status).toBe(403);
    expect((await sut.api('GET', '/v1/webhooks/nope', { as: 'erp' })).status).toBe(404);
    expect((await sut.api('DELETE', '/v1/webhooks/nope', { as: 'erp' })).status).toBe(404);
    expect((await sut.api('GET', '/v1/webhooks/bad%20id', { as: 'erp' })).status).toBe(400);
    expect((await sut.api('GET', '/v1/deliveries', { as: 'tom' })).status).toBe(403);
    expect((await sut.api('GET', '/v1/deliveries?status=lost', { as: 'sam' })).status).toBe(400);
    expect((await sut.api('POST', '/v1/deliveries/nope/retry', { as: 'sam' })).status).toBe(404);
  });

  it('shows the secret once, lists without it, and deletes', async () => {
    const created = await subscribe({ url: `${receiver.url}/in`, eventTypes: types });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const listed = await sut.api('GET', '/v1/webhooks', { as: 'erp' });
    const mine = listed.body.webhooks.find((hook: any) => hook.id === created.body.id);
    expect(mine).toMatchObject({ url: `${receiver.url}/in`, eventTypes: types, status: 'active' });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    const one = await sut.api('GET', `/v1/webhooks/${created.body.id}`, { as: 'erp' });
    expect(one.body.secret).toBeUndefined();
    expect((await sut.api('DELETE', `/v1/webhooks/${created.body.id}`, { as: 'erp' })).status).toBe(
      200,
    );
    expect((await sut.api('GET', `/v1/webhooks/${created.body.id}`, { as: 'erp' })).status).toBe(
      404,
    );
  });

  /** One delivery to `url` by a WebhookSender configured with `env`: its outcome, and whether it arrived. */
  async function deliverOnce(env: Record<string, string>, url: string) {
    const webhooks = {
      findForDelivery: async () => ({
        id: 'w1',
        ownerId: 'erp',
        url,
        eventTypes: types,
        description: null,
        secret: 'whsec_AAAA',
        status: 'active',
        disabledReason: null,
        createdAt: new Date().toISOString(),
      }),
    } as unknown as WebhooksService;
    const sender = new WebhookSender(webhooks, new SystemClock(), loadConfig(env));
    try {
      const before = receiver.received.length;
      const outcome = await sender.deliver(
        { id: 'msg_1', payload: '{}' } as Delivery,
        async () => {},
      );
      return { outcome, arrived: receiver.received.length > before };
    } finally {
      await sender.onModuleDestroy();
    }
  }

  it('refuses at delivery time a name that now resolves to a private address (DNS rebinding)', async () => {
    // `localhost` passed the subscription check in this story (as https, the only scheme for a
    // host not allowed); now it resolves to 127.0.0.1, refused in the lookup before any TLS.
    const port = new URL(receiver.url).port;
    const { outcome, arrived } = await deliverOnce(
      { BROKER_MODE: 'demo' },
      `https://localhost:${port}/in`,
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/127\.0\.0\.1/),
    });
    expect(arrived).toBe(false);
  });

  it('refuses at delivery time an allowed host on a port the allow-list does not name', async () => {
    const port = new URL(receiver.url).port;
    // A bare host is open on the scheme's default port only (80 for http), a host:port on its own.
    for (const allowed of ['127.0.0.1', '127.0.0.1:9', 'localhost:9'])
      for (const url of [`http://127.0.0.1:${port}/in`, `http://localhost:${port}/in`]) {
        const env = { BROKER_MODE: 'demo', WEBHOOK_ALLOWED_HOSTS: allowed };
        const { outcome, arrived } = await deliverOnce(env, url);
        expect([allowed, url, outcome.status, arrived]).toEqual([allowed, url, 'failed', false]);
      }
    // The port it names is open.
    const env = { BROKER_MODE: 'demo', WEBHOOK_ALLOWED_HOSTS: receiver.allowListEntry };
    expect((await deliverOnce(env, `http://127.0.0.1:${port}/in`)).arrived).toBe(true);
  });

  it('sends nothing over http to a host the allow-list no longer names, before any lookup', async () => {
    // Subscribed while hooks.acme.invalid was listed; now it is not (and never resolves here).
    const env = { BROKER_MODE: 'demo', WEBHOOK_ALLOWED_HOSTS: receiver.allowListEntry };
    const { outcome } = await deliverOnce(env, 'http://hooks.acme.invalid/in');
    expect(outcome).toEqual({
      status: 'failed',
      reason:
        'hooks.acme.invalid is not in WEBHOOK_ALLOWED_HOSTS on this port: only such a host is sent to over http',
    });
  });
});
