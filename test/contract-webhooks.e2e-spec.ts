import { WEBHOOK_EVENT_TYPES } from '../src/webhooks/webhook-events.js';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { contractValidator } from './support/contract-validator.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/**
 * The webhook messages the broker POSTs against the OpenAPI document's `webhooks` section (issue
 * 22): every event type is documented, and every real message of each type matches its schema
 * with objects closed, so an undocumented field or a missing type fails here.
 */
describe('the OpenAPI document describes every webhook message', () => {
  let sut: BrokerHarness;
  let receiver: WebhookReceiver;
  let openApi: any;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    sut = await new BrokerHarness({
      queues: [{ id: 'anyone', strategy: 'ring_all', offerTimeoutSeconds: 600 }],
      env: {
        ROUTING_TICK_MS: '50',
        WEBHOOK_ALLOWED_HOSTS: receiver.allowListEntry,
        OUTBOX_POLL_INTERVAL_MS: '50',
      },
    }).start();
    openApi = (await sut.api('GET', '/docs-json')).body;
  });
  afterAll(async () => {
    await sut.stop();
    await receiver.close();
  });

  it('documents each event type the broker sends, as a POST with the Standard Webhooks headers', () => {
    expect(Object.keys(openApi.webhooks ?? {}).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    for (const type of WEBHOOK_EVENT_TYPES) {
      const operation = openApi.webhooks[type].post;
      expect(operation.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      const headers = operation.parameters.map((p: any) => [p.in, p.name, p.required]);
      expect(headers).toEqual([
        ['header', 'webhook-id', true],
        ['header', 'webhook-timestamp', true],
        ['header', 'webhook-signature', true],
      ]);
      expect(operation.requestBody.content['application/json'].schema).toBeDefined();
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['2XX', '410']));
    }
  });

  it('matches every message of a queued call taken by an expert, talked through and wrapped up', async () => {
    const hook = await sut.api('POST', '/v1/webhooks', {
      as: 'erp',
      body: { url: `${receiver.url}/hooks`, eventTypes: [...WEBHOOK_EVENT_TYPES] },
    });
    expect(hook.status).toBe(201);
    receiver.trust(hook.body.secret);
    expect(
      (await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'available' } }))
        .status,
    ).toBe(200);
    const { body: call } = await sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { technicianId: 'tom', queueId: 'anyone', title: 'Pump 7 vibration' },
    });
    const offers = await waitFor(
      () => sut.api('GET', '/v1/offers', { as: 'erika' }),
      (answer) => answer.body.offers.some((o: any) => o.call.id === call.id),
    );
    const offer = offers.body.offers.find((o: any) => o.call.id === call.id).offer;
    expect((await sut.api('POST', `/v1/offers/${offer.id}/accept`, { as: 'erika' })).status).toBe(
      200,
    );
    const ringing = await sut.waitForCall(call.id, (c) => c.status === 'ringing');
    sut.simulator.state.join(ringing.xassistCallId, 'erika');
    sut.simulator.state.join(ringing.xassistCallId, 'tom');
    await sut.waitForCall(call.id, (c) => c.status === 'connected');
    sut.simulator.state.end(ringing.xassistCallId);
    await sut.waitForCall(call.id, (c) => c.status === 'ended');
    const wrapUp = await sut.api('PUT', `/v1/calls/${call.id}/wrap-up`, {
      as: 'erika',
      body: { outcome: 'resolved', firstTimeFix: true, notes: 'Bearing replaced.' },
    });
    expect(wrapUp.status).toBe(200);
    const hooks = await waitFor(
      async () => receiver.ofCall(call.id),
      (received) => received.some((h) => h.type === 'call.wrapped_up'),
    );

    const validator = contractValidator(openApi.components.schemas);
    for (const received of hooks) {
      const schema = openApi.webhooks[received.type]?.post.requestBody.content['application/json'];
      if (!schema) throw new Error(`${received.type} is not in the OpenAPI webhooks`);
      validator.assertValid(schema.schema, received.body, `webhook ${received.type}`);
    }
    expect(new Set(hooks.map((h) => h.type))).toEqual(new Set(WEBHOOK_EVENT_TYPES));
  });

  it('refuses a message of one type against the schema of another', () => {
    const validator = contractValidator(openApi.components.schemas);
    const schemaOf = (type: string) =>
      openApi.webhooks[type].post.requestBody.content['application/json'].schema;
    const created = receiver.unique.find((h) => h.type === 'call.created');
    expect(created).toBeDefined();
    expect(() =>
      validator.assertValid(schemaOf('call.ended'), created!.body, 'call.created as call.ended'),
    ).toThrow(/does not match/);
  });
});
