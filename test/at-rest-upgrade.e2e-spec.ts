import { Kysely, Migrator } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE } from '../src/database/database.module.js';
import { openDatabase } from '../src/database/database.js';
import { migrationProvider } from '../src/database/migrations.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { newWebhookSecret } from '../src/webhooks/webhook-signature.js';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { brokerDatabases, type TestDatabase } from './support/environment.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/** The newest migration before issue 18 item 8: a database as the previous release left it. */
const BEFORE_AT_REST = '2026-12-03-140-call-fallback';
const LIVE_SECRET = newWebhookSecret();
const DELETED_SECRET = newWebhookSecret();
const OLD_PASSWORD = 'old-meeting-password-7f3a';
const OLD_TOKEN = 'eyJvbGQiOiJsaW5rIn0.old-accept-link-signature-0123456789abcdefghij';

/** Writes, in the old schema, what the old release stored in plain text. */
async function seedPreviousRelease(url: string, receiverUrl: string): Promise<void> {
  const { db } = openDatabase(url);
  try {
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo(
      BEFORE_AT_REST,
    );
    if (error) throw error;
    const webhook = (id: string, secret: string, deletedAt: string | null) => ({
      id,
      owner_id: 'erp',
      url: `${receiverUrl}/hooks`,
      event_types_json: '["call.created"]',
      description: null,
      secret,
      status: 'active',
      disabled_reason: null,
      created_at: '2026-12-01T10:00:00.000Z',
      deleted_at: deletedAt,
    });
    await (db as Kysely<any>)
      .insertInto('webhooks')
      .values([
        webhook('wh-live', LIVE_SECRET, null),
        webhook('wh-deleted', DELETED_SECRET, '2026-12-01T11:00:00.000Z'),
      ])
      .execute();
    const at = '2026-12-01T10:00:00.000Z';
    await (db as Kysely<any>)
      .insertInto('calls')
      .values({
        id: 'old-call',
        status: 'failed',
        title: 'Old pump',
        reason: 'support',
        call_type: 'video',
        technician_id: 'tom',
        technician_json: JSON.stringify({ id: 'tom', displayName: 'Tom Technician' }),
        experts_json: '[]',
        seq: 1,
        created_by: 'tom',
        anonymous_join_allowed: 0,
        created_at: at,
        updated_at: at,
        fallback_json: JSON.stringify({
          provider: 'chatMessenger',
          url: 'https://cam.example/m/old',
          password: OLD_PASSWORD,
          expiresAt: '2026-12-01T10:30:00.000Z',
        }),
      })
      .execute();
    const page = JSON.stringify({
      title: 'Offered to you: Old pump',
      lines: ['Tom Technician asks for help', `Password: ${OLD_PASSWORD}`],
      mentions: [],
      links: [{ label: 'Accept as Erika Expert', path: `/accept/${OLD_TOKEN}` }],
    });
    await (db as Kysely<any>)
      .insertInto('outbox')
      .values({
        id: 'page_old',
        destination_kind: 'chat',
        destination_id: 'cam-direct',
        owner_id: null,
        call_id: 'old-call',
        seq: 1,
        position: 0,
        event_type: 'page.offered',
        payload: page,
        status: 'failed',
        attempts: 18,
        next_attempt_at: at,
        created_at: at,
      })
      .execute();
  } finally {
    await db.destroy();
  }
}

/**
 * Issue 18 item 8: an existing database is upgraded, not abandoned. Its plain-text webhook
 * secrets stay usable and are sealed at the first start; deleted webhooks' secrets and expired
 * meetings' passwords are wiped.
 */
describe.each(await brokerDatabases('at rest upgrade'))(
  'upgrading a database of the previous release on $name',
  ({ create }) => {
    let sut: BrokerHarness;
    let receiver: WebhookReceiver;
    const dir = mkdtempSync(join(tmpdir(), 'at-rest-upgrade-'));

    beforeAll(async () => {
      receiver = await new WebhookReceiver().start();
      receiver.trust(LIVE_SECRET);
      const database = async (): Promise<TestDatabase> => {
        const made = create
          ? await create()
          : { url: `sqlite:${join(dir, 'old.db')}`, drop: async () => undefined };
        await seedPreviousRelease(made.url, receiver.url);
        return made;
      };
      sut = await new BrokerHarness({
        database,
        env: { WEBHOOK_ALLOWED_HOSTS: receiver.allowListEntry, OUTBOX_POLL_INTERVAL_MS: '50' },
      }).start();
    });
    afterAll(async () => {
      await sut.stop();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('seals the old plain-text secret, wipes the deleted one, and the receiver still verifies', async () => {
      const db = sut.app!.get<Kysely<BrokerDatabase>>(DATABASE);
      const rows = await db.selectFrom('webhooks').select(['id', 'secret']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: 'wh-deleted', secret: '' },
        { id: 'wh-live', secret: expect.stringMatching(/^enc:v1:test:/) },
      ]);
      const { body: call } = await sut.api('POST', '/v1/calls', {
        as: 'erp',
        body: { technicianId: 'tom', expertIds: ['ed'], title: 'After the upgrade' },
      });
      const hooks = await waitFor(
        async () => receiver.ofCall(call.id),
        (found) => found.length >= 1,
        10_000,
      );
      expect(hooks.map((hook) => hook.type)).toEqual(['call.created']);
      expect(receiver.refusedSignatures).toEqual([]);
      await sut.api('POST', `/v1/calls/${call.id}/cancel`, { as: 'erp' });
    });

    it('wipes the accept links and passwords of pages settled before the upgrade', async () => {
      const db = sut.app!.get<Kysely<BrokerDatabase>>(DATABASE);
      const row = await db
        .selectFrom('outbox')
        .select(['payload', 'status'])
        .where('id', '=', 'page_old')
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('failed');
      expect(row.payload).not.toContain(OLD_TOKEN);
      expect(row.payload).not.toContain(OLD_PASSWORD);
      expect(JSON.parse(row.payload)).toMatchObject({
        title: 'Offered to you: Old pump',
        links: [],
      });
    });

    it('wipes the password of a meeting that expired before the upgrade at the first sweep', async () => {
      const db = sut.app!.get<Kysely<BrokerDatabase>>(DATABASE);
      const row = await waitFor(
        () =>
          db
            .selectFrom('calls')
            .select(['fallback_json', 'fallback_password_until'])
            .where('id', '=', 'old-call')
            .executeTakeFirstOrThrow(),
        (found) => found.fallback_password_until === null,
      );
      expect(row.fallback_password_until).toBeNull();
      expect(row.fallback_json).not.toContain(OLD_PASSWORD);
      expect(JSON.parse(row.fallback_json!)).toMatchObject({
        url: 'https://cam.example/m/old',
        password: null,
      });
    });
  },
);
