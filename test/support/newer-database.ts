import { sql } from 'kysely';
import { migrateToLatest, openDatabase } from '../../src/database/database.js';
import { migrationProvider } from '../../src/database/migrations.js';

/** A migration no build of this broker knows: the database was migrated by a newer one. */
export const FUTURE_MIGRATION = '2099-01-01-001-from-a-newer-broker';

/** The newest migration this build carries. */
export async function newestKnownMigration(): Promise<string> {
  return Object.keys(await migrationProvider.getMigrations())
    .sort()
    .at(-1)!;
}

/** The one line a start on such a database stops with. */
export async function newerDatabaseRefusal(): Promise<string> {
  return (
    `the database was migrated by a newer broker (migration ${FUTURE_MIGRATION}, ` +
    `this build knows up to ${await newestKnownMigration()}); ` +
    'run that version or restore a backup taken before the upgrade'
  );
}

/** Migrates `url` as this build does, then records a migration only a newer build knows. */
export async function migrateAsANewerBroker(url: string): Promise<void> {
  const { db } = openDatabase(url);
  try {
    await migrateToLatest(db);
    await sql`insert into kysely_migration (name, timestamp)
      values (${FUTURE_MIGRATION}, ${new Date().toISOString()})`.execute(db);
  } finally {
    await db.destroy();
  }
}
