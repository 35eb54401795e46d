import { DATABASE } from '../src/database/database.module.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { OutboxDispatcher } from '../src/outbox/outbox-dispatcher.service.js';
import { OutboxStore } from '../src/outbox/kysely-outbox.store.js';
import type { Kysely } from 'kysely';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import {
  describeIf,
  requirePostgres,
  requireRedis,
  type TestDatabase,
} from './support/environment.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const RATE_PER_SECOND = 5;
const ROWS = 30;
/**
 * Arrivals may bunch by this much after leaving on time (two processes' sockets, a busy machine,
 * the receiver sharing the jest process's pauses). Still well apart from unshared pacing: two
 * instances at RATE each would bring RATE + 1 arrivals within about half a second.
 */
const JITTER_MS = 300;

/** Deliveries this instance made (its own broker_outbox_attempts_total, labelled with its instance). */
async function deliveredBy(instance: BrokerHarness): Promise<number> {
  const { body } = await instance.api<string>('GET', '/metrics');
  return Number(
    /^broker_outbox_attempts_total\{[^}]*outcome="delivered"[^}]*\} (\d+)$/m.exec(body)?.[1] ?? 0,
  );
}

const SUITE = 'webhook pacing across instances';
const postgres = await requirePostgres(SUITE);
const redis = postgres && (await requireRedis(SUITE));
const PREFIX = redis ? redis.uniquePrefix() : '';

/**
 * WEBHOOK_RATE_PER_SECOND is one limit per webhook for the whole cluster when REDIS_URL is set
 * (issue 20): two instances draining one backlog to one receiver together send no faster than one
 * would alone.
 */
describeIf(postgres && redis)(SUITE, () => {
  let database: TestDatabase;
  let receiver: WebhookReceiver;
  const instances: BrokerHarness[] = [];

  beforeAll(async () => {
    database = await postgres!.createDatabase();
    receiver = await new WebhookReceiver().start();
    for (let i = 0; i < 2; i++)
      instances.push(
        await new BrokerHarness({
          env: {
            DATABASE_URL: database.url,
            REDIS_URL: redis!.url,
            REDIS_KEY_PREFIX: PREFIX,
            INSTANCE_ID: `pacing-${i}`,
            WEBHOOK_ALLOWED_HOSTS: receiver.allowListEntry,
            WEBHOOK_RATE_PER_SECOND: String(RATE_PER_SECOND),
            OUTBOX_POLL_INTERVAL_MS: '50',
            OUTBOX_BATCH_SIZE: '4',
          },
        }).start(),
      );
  }, 60_000);
  afterAll(async () => {
    for (const instance of instances) await instance.stop();
    await receiver?.close();
    await database?.drop();
    if (redis) await redis.dropPrefix(PREFIX);
  });

  it(`lets one receiver see at most ${RATE_PER_SECOND} deliveries in any second from two instances`, async () => {
    const [first] = instances;
    const created = await first.api('POST', '/v1/webhooks', {
      as: 'erp',
      body: { url: `${receiver.url}/hooks`, eventTypes: ['call.status_changed'] },
    });
    expect(created.status).toBe(201);
    receiver.trust(created.body.secret);
    // A backlog, one row per call (a claim takes one row per call and destination), so both
    // instances claim a share and each would send at the full rate if it paced alone.
    const db = first.app!.get<Kysely<BrokerDatabase>>(DATABASE);
    await db.transaction().execute((trx) =>
      first.app!.get(OutboxStore).add(
        trx,
        Array.from({ length: ROWS }, (_, n) => ({
          id: `msg_pacing_${n}`,
          destinationKind: 'webhook' as const,
          destinationId: created.body.id,
          ownerId: 'erp',
          callId: `call-${n}`,
          seq: 1,
          position: 0,
          eventType: 'call.status_changed',
          payload: JSON.stringify({
            type: 'call.status_changed',
            data: { call: { id: `call-${n}` }, event: { seq: 1 } },
          }),
        })),
        new Date().toISOString(),
      ),
    );
    for (const instance of instances) instance.app!.get(OutboxDispatcher).wake();

    const arrivals = await waitFor(
      async () => receiver.accepted.map((hook) => hook.receivedAt),
      (seen) => seen.length >= ROWS,
      ROWS * (1000 / RATE_PER_SECOND) + 15_000,
    );
    expect(arrivals).toHaveLength(ROWS);
    arrivals.sort((a, b) => a - b);
    // Any RATE + 1 arrivals in a row span a second at least (less the network's jitter).
    const spans = arrivals.slice(RATE_PER_SECOND).map((at, i) => at - arrivals[i]);
    expect(Math.min(...spans)).toBeGreaterThanOrEqual(1000 - JITTER_MS);
    // Both instances took part: the backlog was not one instance's alone.
    for (const instance of instances) expect(await deliveredBy(instance)).toBeGreaterThan(0);
  }, 60_000);
});
