import { PostgresAdapter, type Kysely, type Migration } from 'kysely';
import { isSealed } from '../common/secret-box.js';

/**
 * Issue 18 item 8 (docs/security.md, "At rest"): what an existing database needs.
 * - webhooks.secret becomes text: a sealed secret is longer than varchar(128) (PostgreSQL
 *   enforces the size; SQLite does not). Plain-text secrets stay readable; the start-up reseal
 *   (WebhooksModule) encrypts them with the first key of DATA_ENCRYPTION_KEYS.
 * - Deleted webhooks' secrets are wiped: nothing will ever be signed with them again; so are
 *   the accept links and meeting passwords of pages already delivered or dead.
 * - calls.fallback_password_until: when the sweep wipes a fallback meeting's password; set here
 *   for meetings stored before, so their plain-text passwords are wiped at the first sweep
 *   after expiry.
 * - Indexes for the retention sweep: delivered outbox rows and used accept links by age.
 */
/** The columns this migration reads and writes, as they are at this point of the history. */
interface Tables {
  webhooks: { secret: string; deleted_at: string | null };
  calls: { id: string; fallback_json: string | null; fallback_password_until: string | null };
  outbox: { id: string; destination_kind: string; status: string; payload: string };
}

/**
 * A settled page's payload without its accept links and meeting password: the wipe of
 * paging/page-secrets.ts as it is when this migration is written, kept here so that history
 * stays as it ran (and the database knows no feature).
 */
function wipedPage(payload: string): string {
  if (isSealed(payload))
    return JSON.stringify({
      title: '(a page no configured DATA_ENCRYPTION_KEYS key opens)',
      lines: [],
      mentions: [],
      links: [],
    });
  const page = JSON.parse(payload) as { lines: string[] };
  return JSON.stringify({
    ...page,
    lines: page.lines.map((line) =>
      /^Password: /.test(line) ? 'Password: (wiped once the page was sent)' : line,
    ),
    links: [],
  });
}

export const atRestMigrations: Record<string, Migration> = {
  '2026-12-06-180-at-rest': {
    async up(untyped: Kysely<unknown>) {
      const db = untyped as Kysely<Tables>;
      if (db.getExecutor().adapter instanceof PostgresAdapter)
        await db.schema
          .alterTable('webhooks')
          .alterColumn('secret', (column) => column.setDataType('text'))
          .execute();
      await db
        .updateTable('webhooks')
        .set({ secret: '' })
        .where('deleted_at', 'is not', null)
        .execute();

      const settledPages = await db
        .selectFrom('outbox')
        .select(['id', 'payload'])
        .where('destination_kind', '=', 'chat')
        .where('status', 'in', ['delivered', 'failed'])
        .execute();
      for (const { id, payload } of settledPages)
        await db
          .updateTable('outbox')
          .set({ payload: wipedPage(payload) })
          .where('id', '=', id)
          .execute();

      await db.schema
        .alterTable('calls')
        .addColumn('fallback_password_until', 'varchar(32)')
        .execute();
      const meetings = await db
        .selectFrom('calls')
        .select(['id', 'fallback_json'])
        .where('fallback_json', 'is not', null)
        .execute();
      for (const { id, fallback_json } of meetings) {
        const meeting = JSON.parse(fallback_json!) as { password: unknown; expiresAt: string };
        if (meeting.password === null) continue;
        await db
          .updateTable('calls')
          .set({ fallback_password_until: meeting.expiresAt })
          .where('id', '=', id)
          .execute();
      }
      await db.schema
        .createIndex('calls_fallback_password_until')
        .on('calls')
        .columns(['fallback_password_until'])
        .execute();
      await db.schema
        .createIndex('outbox_delivered')
        .on('outbox')
        .columns(['status', 'delivered_at'])
        .execute();
      await db.schema
        .createIndex('accept_link_use_used')
        .on('accept_link_use')
        .columns(['used_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('accept_link_use_used').execute();
      await db.schema.dropIndex('outbox_delivered').execute();
      await db.schema.dropIndex('calls_fallback_password_until').execute();
      await db.schema.alterTable('calls').dropColumn('fallback_password_until').execute();
    },
  },
};
