import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { SecretBox } from '../common/secret-box.js';
import { loadConfig } from '../config/app-config.js';
import { migrateToLatest, openDatabase } from '../database/database.js';
import type { BrokerDatabase } from '../database/schema.js';
import { directoryFrom } from '../directory/directory.module.js';
import type { Person } from '../directory/person.js';
import { OutboxStore } from '../outbox/kysely-outbox.store.js';
import { KyselyQuotaStore } from '../quotas/kysely-quota.store.js';
import { QuotasService } from '../quotas/quotas.service.js';
import type { CreateWebhookDto } from './dto/webhook.dto.js';
import { WebhookStore } from './kysely-webhook.store.js';
import { WebhooksService } from './webhooks.service.js';

const directory = directoryFrom({
  people: [
    { id: 'erp', displayName: 'ERP', roles: ['integration'] },
    { id: 'mes', displayName: 'MES', roles: ['integration'] },
    { id: 'sam', displayName: 'Sam', roles: ['supervisor'] },
  ],
});
const person = (id: string): Person => directory.find(id)!;
/** A receiver WEBHOOK_ALLOWED_HOSTS opens (nothing is sent here: no dispatcher runs). */
const URL = 'http://127.0.0.1:9999/hook';
const dto = (fields: Partial<CreateWebhookDto> = {}) =>
  ({ url: URL, eventTypes: ['call.ended'], ...fields }) as CreateWebhookDto;

describe('WebhooksService', () => {
  let db: Kysely<BrokerDatabase>;
  let clock: FakeClock;
  let store: WebhookStore;
  let sut: WebhooksService;

  beforeEach(async () => {
    ({ db } = openDatabase('sqlite::memory:'));
    await migrateToLatest(db);
    clock = new FakeClock();
    const config = loadConfig({
      BROKER_MODE: 'demo',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:9999',
      WEBHOOK_MAX_PER_INTEGRATION: '3',
    });
    const { logger } = capturedLogger('silent');
    store = new WebhookStore(db, new SecretBox([{ id: 'k1', key: randomBytes(32) }]));
    const quotas = new QuotasService(new KyselyQuotaStore(db), clock, config, logger);
    sut = new WebhooksService(store, new OutboxStore(db), quotas, clock, config);
  });
  afterEach(() => db.destroy());

  /** Creates `n` webhooks for `owner`, a second apart (their listing order). */
  async function created(owner: string, n: number) {
    const hooks = [];
    for (let i = 0; i < n; i++) {
      hooks.push(await sut.create(person(owner), dto({ description: `${owner} ${i}` })));
      await clock.advance(1_000);
    }
    return hooks;
  }

  it('creates a webhook for an integration, with its secret, and finds it again', async () => {
    const webhook = await sut.create(person('erp'), dto({ eventTypes: ['call.created'] }));
    expect(webhook).toMatchObject({
      ownerId: 'erp',
      url: URL,
      eventTypes: ['call.created'],
      status: 'active',
      createdAt: clock.isoNow(),
    });
    expect(webhook.secret).toMatch(/^whsec_/);
    // Stored sealed, opened again on read.
    const row = await db.selectFrom('webhooks').select('secret').executeTakeFirstOrThrow();
    expect(row.secret).not.toContain(webhook.secret);
    expect(await sut.get(person('erp'), webhook.id)).toEqual(webhook);
  });

  it('refuses, 403, anyone but an integration, and stores nothing', async () => {
    await expect(sut.create(person('sam'), dto())).rejects.toMatchObject({ httpStatus: 403 });
    await expect(sut.list(person('sam'), 10)).rejects.toMatchObject({ httpStatus: 403 });
    expect(await db.selectFrom('webhooks').selectAll().execute()).toEqual([]);
  });

  it('refuses, 409, a webhook over the integration’s cap; another integration has its own', async () => {
    await created('erp', 3);
    await expect(sut.create(person('erp'), dto())).rejects.toMatchObject({
      httpStatus: 409,
      name: 'WebhookLimitError',
    });
    await expect(sut.create(person('mes'), dto())).resolves.toMatchObject({ ownerId: 'mes' });
    expect((await sut.list(person('erp'), 10)).webhooks).toHaveLength(3);
  });

  it('lists the caller’s own webhooks oldest first, a page at a time', async () => {
    const [first, second, third] = await created('erp', 3);
    await created('mes', 1);
    const page1 = await sut.list(person('erp'), 2);
    expect(page1.webhooks.map((w) => w.id)).toEqual([first.id, second.id]);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await sut.list(person('erp'), 2, page1.nextCursor!);
    expect(page2).toEqual({
      webhooks: [expect.objectContaining({ id: third.id })],
      nextCursor: null,
    });
    await expect(sut.list(person('erp'), 2, 'not-a-cursor')).rejects.toMatchObject({
      httpStatus: 400,
    });
  });

  it('answers 404 for another integration’s webhook, and leaves it alone', async () => {
    const [theirs] = await created('mes', 1);
    await expect(sut.get(person('erp'), theirs.id)).rejects.toMatchObject({ httpStatus: 404 });
    await expect(sut.delete(person('erp'), theirs.id)).rejects.toMatchObject({ httpStatus: 404 });
    expect(await sut.get(person('mes'), theirs.id)).toMatchObject({ id: theirs.id });
  });

  it('deletes: not found any more, its pending deliveries failed, its place under the cap freed', async () => {
    const [gone] = await created('erp', 3);
    await db
      .insertInto('outbox')
      .values({
        id: 'msg-1',
        destination_kind: 'webhook',
        destination_id: gone.id,
        owner_id: 'erp',
        call_id: 'c1',
        seq: 1,
        position: 0,
        event_type: 'call.ended',
        payload: '{}',
        status: 'pending',
        attempts: 0,
        next_attempt_at: clock.isoNow(),
        lease_until: null,
        claim_token: null,
        last_error: null,
        created_at: clock.isoNow(),
        delivered_at: null,
      })
      .execute();
    await expect(sut.delete(person('erp'), gone.id)).resolves.toMatchObject({ id: gone.id });
    await expect(sut.get(person('erp'), gone.id)).rejects.toMatchObject({ httpStatus: 404 });
    expect((await sut.list(person('erp'), 10)).webhooks).toHaveLength(2);
    const row = await db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', last_error: 'the webhook was deleted' });
    await expect(sut.create(person('erp'), dto())).resolves.toMatchObject({ ownerId: 'erp' });
  });
});
