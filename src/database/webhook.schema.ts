import type { Kysely, Migration } from 'kysely';

/** A subscription of an integration: where to POST which call events, and the signing secret. */
export interface WebhooksTable {
  id: string;
  owner_id: string;
  url: string;
  /** A JSON array of event types. */
  event_types_json: string;
  description: string | null;
  /** `whsec_<base64>`; kept to sign every delivery, shown to the owner only once. */
  secret: string;
  /** active, or disabled (the receiver answered 410 Gone). */
  status: string;
  disabled_reason: string | null;
  created_at: string;
  /** Deleted subscriptions stay as rows so their deliveries still name them. */
  deleted_at: string | null;
}

export interface WebhookTables {
  webhooks: WebhooksTable;
}

export const webhookMigrations: Record<string, Migration> = {
  '2026-12-02-110-webhooks': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('webhooks')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('owner_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('url', 'varchar(2048)', (c) => c.notNull())
        .addColumn('event_types_json', 'text', (c) => c.notNull())
        .addColumn('description', 'varchar(200)')
        .addColumn('secret', 'varchar(128)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('disabled_reason', 'text')
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('deleted_at', 'varchar(32)')
        .execute();
      await db.schema
        .createIndex('webhooks_owner')
        .on('webhooks')
        .columns(['owner_id', 'created_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('webhooks').execute();
    },
  },
};
