import { createServer } from 'node:net';
import type { Kysely } from 'kysely';
import { DATABASE } from '../src/database/database.module.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { WebhookStore } from '../src/webhooks/kysely-webhook.store.js';
import { WEBHOOK_EVENT_TYPES } from '../src/webhooks/webhook-events.js';
import { newWebhookSecret } from '../src/webhooks/webhook-signature.js';
import { BrokerHarness } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { RecordingClient } from './support/socket-client.js';

/** Past both bounds one multi-row INSERT hits: SQLite's 32,766 variables, PostgreSQL's 65,535. */
const WEBHOOKS = 5_000;

/** A loopback port nobody listens on: deliveries there are refused at once, and cost nothing. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * One integration with thousands of subscriptions must not stop calls: every call change writes
 * one outbox row per subscribed webhook inside its own transaction (issue 18, item 1).
 */
describe.each(await brokerDatabases('webhook fan-out'))('webhook fan-out on $name', ({ create }) => {
  let sut: BrokerHarness;

  beforeAll(async () => {
    sut = await new BrokerHarness({
      database: create,
      env: {
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        WEBHOOK_MAX_PER_INTEGRATION: String(WEBHOOKS),
        // Nothing listens there: one refused attempt each, the next an hour away.
        WEBHOOK_RETRY_BASE_MS: '3600000',
        WEBHOOK_RETRY_MAX_MS: '3600000',
      },
    }).start();
    const store = sut.app!.get(WebhookStore);
    const url = `http://127.0.0.1:${await closedPort()}/hooks`;
    const createdAt = new Date().toISOString();
    for (let n = 0; n < WEBHOOKS; n += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, WEBHOOKS - n) }, (_, i) =>
          store.create({
            id: `hook-${n + i}`,
            ownerId: 'erp',
            url,
            eventTypes: [...WEBHOOK_EVENT_TYPES],
            description: null,
            secret: newWebhookSecret(),
            status: 'active',
            disabledReason: null,
            createdAt,
          }),
        ),
      );
    }
  }, 120_000);
  afterAll(async () => {
    await sut?.stop();
  });

  it(`moves a call (created, ringing, invite) with ${WEBHOOKS} webhooks of one integration`, async () => {
    const tom = await RecordingClient.connect(sut.url, sut.token('tom'));
    try {
      const created = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { expertIds: ['erika'], title: 'Pump 7' },
      });
      expect(created.status).toBe(201);
      expect(created.body.status).toBe('ringing');
      const call = created.body;
      sut.simulator.state.join(call.xassistCallId, 'erika');
      const invite = await tom.next('call.invite', (payload) => payload.call.id === call.id);
      expect(invite.xassistCallId).toBe(call.xassistCallId);

      // Every webhook is owed each change: created, ringing, expert_joined.
      const db = sut.app!.get<Kysely<BrokerDatabase>>(DATABASE);
      const owed = await db
        .selectFrom('outbox')
        .select(['event_type', (eb) => eb.fn.countAll<number>().as('n')])
        .where('call_id', '=', call.id)
        .groupBy('event_type')
        .execute();
      expect(Object.fromEntries(owed.map((row) => [row.event_type, Number(row.n)]))).toEqual({
        'call.created': WEBHOOKS,
        'call.status_changed': 2 * WEBHOOKS,
      });
    } finally {
      tom.close();
    }
  }, 60_000);
});
