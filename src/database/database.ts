import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import pg from 'pg';
import { migrationProvider } from './migrations.js';
import type { BrokerDatabase } from './schema.js';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface OpenDatabase {
  db: Kysely<BrokerDatabase>;
  kind: DatabaseKind;
}

/** Opens `sqlite:<path>` (folder created, WAL on) or `postgres://...`. */
export function openDatabase(url: string): OpenDatabase {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    const sqlite = new Database(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    return {
      db: new Kysely<BrokerDatabase>({ dialect: new SqliteDialect({ database: sqlite }) }),
      kind: 'sqlite',
    };
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return {
    db: new Kysely<BrokerDatabase>({ dialect: new PostgresDialect({ pool }) }),
    kind: 'postgres',
  };
}

/** Brings the schema to the newest migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<BrokerDatabase>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error) {
    throw new Error(
      `database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`,
    );
  }
}
