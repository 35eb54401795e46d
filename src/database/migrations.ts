import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { outboxMigrations } from './outbox.schema.js';
import { pagingMigrations } from './paging.schema.js';
import { quotaMigrations } from './quota.schema.js';
import { routingMigrations } from './routing.schema.js';
import { webhookMigrations } from './webhook.schema.js';
import { clusterMigrations } from './cluster.schema.js';
import { atRestMigrations } from './at-rest-migrations.js';
import { writeProbeMigrations } from './write-probe.js';
import { appointmentMigrations } from './appointment.schema.js';

/**
 * Migrations live in code (not files found at run time) so the compiled broker carries them.
 * Only portable column types: the same migrations run on SQLite and PostgreSQL.
 */
const migrations: Record<string, Migration> = {
  '2026-11-22-001-calls': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('calls')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('xassist_call_id', 'varchar(128)')
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('reason', 'varchar(32)', (c) => c.notNull())
        .addColumn('call_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('technician_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('technician_json', 'text', (c) => c.notNull())
        .addColumn('experts_json', 'text', (c) => c.notNull())
        .addColumn('joined_expert_id', 'varchar(128)')
        .addColumn('failure_reason', 'text')
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'varchar(128)', (c) => c.notNull())
        .addColumn('anonymous_join_allowed', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('ringing_at', 'varchar(32)')
        .addColumn('expert_joined_at', 'varchar(32)')
        .addColumn('connected_at', 'varchar(32)')
        .addColumn('ended_at', 'varchar(32)')
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('calls_status').on('calls').columns(['status']).execute();
      await db.schema
        .createIndex('calls_newest')
        .on('calls')
        .columns(['created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('calls_technician')
        .on('calls')
        .columns(['technician_id', 'created_at'])
        .execute();

      await db.schema
        .createTable('call_experts')
        .addColumn('call_id', 'varchar(64)', (c) =>
          c.notNull().references('calls.id').onDelete('cascade'),
        )
        .addColumn('expert_id', 'varchar(128)', (c) => c.notNull())
        .addPrimaryKeyConstraint('call_experts_pk', ['call_id', 'expert_id'])
        .execute();
      await db.schema
        .createIndex('call_experts_expert')
        .on('call_experts')
        .columns(['expert_id'])
        .execute();

      await db.schema
        .createTable('call_events')
        .addColumn('call_id', 'varchar(64)', (c) =>
          c.notNull().references('calls.id').onDelete('cascade'),
        )
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('type', 'varchar(128)', (c) => c.notNull())
        .addColumn('at', 'varchar(32)', (c) => c.notNull())
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('xassist_json', 'text')
        .addPrimaryKeyConstraint('call_events_pk', ['call_id', 'seq'])
        .execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('caller_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('key', 'varchar(255)', (c) => c.notNull())
        .addColumn('body_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('call_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['caller_id', 'key'])
        .execute();

      await db.schema
        .createTable('xassist_events_seen')
        .addColumn('call_id', 'varchar(64)', (c) =>
          c.notNull().references('calls.id').onDelete('cascade'),
        )
        .addColumn('event_id', 'varchar(64)', (c) => c.notNull())
        .addPrimaryKeyConstraint('xassist_events_seen_pk', ['call_id', 'event_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        'xassist_events_seen',
        'idempotency_keys',
        'call_events',
        'call_experts',
        'calls',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
  '2026-11-23-030-call-context': {
    // What the caller tells about the call: free text, the ERP or ticket id (looked up), key/values.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('calls').addColumn('description', 'text').execute();
      await db.schema.alterTable('calls').addColumn('external_ref', 'varchar(200)').execute();
      await db.schema.alterTable('calls').addColumn('metadata_json', 'text').execute();
      await db.schema
        .createIndex('calls_external_ref')
        .on('calls')
        .columns(['external_ref', 'created_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('calls_external_ref').execute();
      for (const column of ['metadata_json', 'external_ref', 'description']) {
        await db.schema.alterTable('calls').dropColumn(column).execute();
      }
    },
  },
  '2026-12-02-040-call-routing': {
    // A call may ask a queue instead of naming experts (docs/routing.md).
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('calls').addColumn('queue_id', 'varchar(64)').execute();
      await db.schema.alterTable('calls').addColumn('priority', 'varchar(16)').execute();
      await db.schema.alterTable('calls').addColumn('queued_at', 'varchar(32)').execute();
      await db.schema.alterTable('calls').addColumn('accepted_by_id', 'varchar(128)').execute();
      await db.schema.alterTable('calls').addColumn('escalations_json', 'text').execute();
      await db.schema
        .createIndex('calls_queue')
        .on('calls')
        .columns(['status', 'queue_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('calls_queue').execute();
      for (const column of [
        'escalations_json',
        'accepted_by_id',
        'queued_at',
        'priority',
        'queue_id',
      ]) {
        await db.schema.alterTable('calls').dropColumn(column).execute();
      }
    },
  },
  '2026-12-03-140-call-fallback': {
    // The web meeting offered when xAssist was unreachable (docs/notifications.md, "Fallback").
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('calls').addColumn('fallback_json', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('calls').dropColumn('fallback_json').execute();
    },
  },
  '2026-12-06-230-call-wrap-up': {
    // After the call: the expert's wrap-up and the technician's rating (docs/api.md, "Wrap-up").
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('calls').addColumn('wrap_up_json', 'text').execute();
      await db.schema.alterTable('calls').addColumn('rating_json', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('calls').dropColumn('rating_json').execute();
      await db.schema.alterTable('calls').dropColumn('wrap_up_json').execute();
    },
  },
  '2026-12-07-010-report-indexes': {
    // Reports read calls by creation time (docs/api.md, "Reports"); the retention sweep deletes
    // call events by their time (docs/security.md, "At rest").
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('calls_created_at').on('calls').column('created_at').execute();
      await db.schema.createIndex('call_events_at').on('call_events').column('at').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('call_events_at').execute();
      await db.schema.dropIndex('calls_created_at').execute();
    },
  },
  '2026-12-07-030-call-next-opens-at': {
    // A request to a queue outside its business hours ends `closed` and says when the queue
    // opens next (docs/routing.md, "Business hours").
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('calls').addColumn('next_opens_at', 'varchar(40)').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('calls').dropColumn('next_opens_at').execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({
    ...migrations,
    ...routingMigrations,
    ...quotaMigrations,
    ...webhookMigrations,
    ...outboxMigrations,
    ...pagingMigrations,
    ...writeProbeMigrations,
    ...atRestMigrations,
    ...clusterMigrations,
    ...appointmentMigrations,
  }),
};
