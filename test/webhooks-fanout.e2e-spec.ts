import type { Kysely } from 'kysely';
import { DATABASE } from '../src/database/database.module.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { WebhookStore } from '../src/webhooks/kysely-webhook.store.js';
import { WEBHOOK_EVENT_TYPES } from '../src/webhooks/webhook-events.js';
import { newWebhookSecret } from '../src/webhooks/webhook-signature.js';
import { BrokerHarness, PEOPLE } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { freePort } from './support/free-port.js';
import { RecordingClient } from './support/socket-client.js';

/** Past both bounds one multi-row INSERT hits: SQLite's 32,766 variables, PostgreSQL's 65,535. */
const WEBHOOKS = 5_000;

/**
 * One integration with thousands of subscriptions must not stop calls: every call change writes
 * one outbox row per subscribed webhook inside its own transaction (issue 18, item 1).
 */
describe.each(await brokerDatabases('webhook fan-out'))(
  'webhook fan-out on $name',
  ({ create }) => {
    let sut: BrokerHarness;

    beforeAll(async () => {
      const port = await freePort();
      sut = await new BrokerHarness({
        database: create,
        env: {
          WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${port}`,
          WEBHOOK_MAX_PER_INTEGRATION: String(WEBHOOKS),
          // Nothing listens there: one refused attempt each, the next an hour away.
          WEBHOOK_RETRY_BASE_MS: '3600000',
          WEBHOOK_RETRY_MAX_MS: '3600000',
        },
      }).start();
      const store = sut.app!.get(WebhookStore);
      const url = `http://127.0.0.1:${port}/hooks`;
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
        // A bound, not a speed target (that is the bench's): the commit writes 15,000 outbox rows
        // on a shared CI machine before the invite's poll is applied.
        const invite = await tom.next(
          'call.invite',
          (payload) => payload.call.id === call.id,
          20_000,
        );
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
  },
);

/** The cap and the creation rate that keep one integration's fan-out bounded, and the paged list. */
describe.each(await brokerDatabases('webhook limits'))('webhook limits on $name', ({ create }) => {
  const CAP = 3;
  const PER_MINUTE = 6;
  let sut: BrokerHarness;

  beforeAll(async () => {
    sut = await new BrokerHarness({
      database: create,
      people: [...PEOPLE, { id: 'crm', displayName: 'CRM connector', roles: ['integration'] }],
      env: {
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:9',
        WEBHOOK_MAX_PER_INTEGRATION: String(CAP),
        WEBHOOK_CREATES_PER_MINUTE: String(PER_MINUTE),
      },
    }).start();
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const subscribe = (as: string) =>
    sut.api('POST', '/v1/webhooks', {
      as,
      body: { url: 'http://127.0.0.1:9/hooks', eventTypes: ['call.created'] },
    });

  it('holds an integration to its cap: of parallel creates exactly the cap succeed, the rest 409', async () => {
    // Five tries and one more below: within PER_MINUTE, so no 429 whatever the window.
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => subscribe('erp')));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 201, 201, 409, 409]);
    expect(answers.find((answer) => answer.status === 409)!.body).toMatchObject({
      statusCode: 409,
      code: 'webhook_limit_reached',
      message: `erp already has ${CAP} webhooks, the most allowed; delete one before adding another`,
      limit: CAP,
    });
    const first = answers.find((answer) => answer.status === 201)!.body;
    expect((await sut.api('DELETE', `/v1/webhooks/${first.id}`, { as: 'erp' })).status).toBe(200);
    expect((await subscribe('erp')).status).toBe(201);
  });

  it('pages GET /v1/webhooks with limit and nextCursor, oldest first', async () => {
    const all = (await sut.api('GET', '/v1/webhooks', { as: 'erp' })).body;
    expect(all.webhooks).toHaveLength(CAP);
    expect(all.nextCursor).toBeNull();
    const first = await sut.api('GET', '/v1/webhooks?limit=2', { as: 'erp' });
    expect(first.body.webhooks).toEqual(all.webhooks.slice(0, 2));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const cursor = encodeURIComponent(first.body.nextCursor);
    const second = await sut.api('GET', `/v1/webhooks?limit=2&cursor=${cursor}`, { as: 'erp' });
    expect(second.body).toEqual({ webhooks: all.webhooks.slice(2), nextCursor: null });
    for (const query of ['limit=0', 'limit=101', 'cursor=bm9wZQ', 'cursor=a%00b']) {
      const refused = await sut.api('GET', `/v1/webhooks?${query}`, { as: 'erp' });
      expect([query, refused.status, refused.body.code]).toEqual([query, 400, 'bad_request']);
    }
  });

  it('limits creations per integration per minute (refused ones count too): 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<BrokerHarness['api']>> | undefined;
    // A fixed window: a run straddling a minute's end may see up to twice the limit pass.
    while (!limited && statuses.length < 2 * PER_MINUTE + 2) {
      const answer = await subscribe('crm');
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
    }
    expect(limited?.body).toMatchObject({
      code: 'quota_exceeded',
      message: `crm sent more than ${PER_MINUTE} webhook creations per minute; try again shortly`,
    });
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((status) => status === 201)).toHaveLength(CAP);
    expect(statuses.length - 1).toBeGreaterThanOrEqual(PER_MINUTE);
  });
});
