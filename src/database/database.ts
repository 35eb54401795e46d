import type Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { DatabaseConnectionError } from '../common/storage-failure.js';
import { databaseConfig, type DatabaseSettings } from '../config/database-config.js';
import { healingPool } from './healing-pool.js';
import { migrationProvider } from './migrations.js';
import { keepingTheRealError, sqliteDriver } from './sqlite-driver.js';
import type { BrokerDatabase } from './schema.js';
import { sqlitePathOf } from './sqlite-url.js';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface OpenDatabase {
  db: Kysely<BrokerDatabase>;
  kind: DatabaseKind;
}

/** The database DATABASE_URL names cannot be used; the message says what to change. */
export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/** The URL as it may be shown: without its password. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function openSqlite(path: string): Database.Database {
  try {
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    const sqlite = new (sqliteDriver().Database)(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    return sqlite;
  } catch (error) {
    throw new DatabaseError(
      `DATABASE_URL sqlite:${path} cannot be opened (${(error as Error).message}); ` +
        'point it at a file in a folder this process may write',
    );
  }
}

export interface DatabaseOptions {
  /** PostgreSQL's timeouts; the defaults unless given; null: none (migrations). */
  settings?: DatabaseSettings | null;
  /** Where a PostgreSQL outage is logged, once when it begins and once when it ends. */
  logger?: Logger;
}

/** Opens `sqlite:<path>` (folder created, WAL on) or `postgres://...`. */
export function openDatabase(url: string, options: DatabaseOptions = {}): OpenDatabase {
  const sqlitePath = sqlitePathOf(url);
  if (sqlitePath !== undefined) {
    const sqlite = openSqlite(sqlitePath);
    return {
      db: new Kysely<BrokerDatabase>({
        dialect: new SqliteDialect({ database: keepingTheRealError(sqlite) }),
      }),
      kind: 'sqlite',
    };
  }
  const settings = options.settings === undefined ? databaseConfig({}).database : options.settings;
  const pool = healingPool(url, settings ?? undefined, options.logger);
  return {
    db: new Kysely<BrokerDatabase>({ dialect: new PostgresDialect({ pool }) }),
    kind: 'postgres',
  };
}

/**
 * Migrations run forward only, so a database some newer broker has migrated is not this build's
 * to use: its schema may lack nothing this build reads and still mean something else. Said in
 * one line with both versions, before Kysely's "corrupted migrations" would say neither.
 */
async function refuseANewerDatabase(db: Kysely<BrokerDatabase>): Promise<void> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((table) => table.name === 'kysely_migration')) return;
  const known = Object.keys(await migrationProvider.getMigrations()).sort();
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const unknown = rows.map((row) => row.name).filter((name) => !known.includes(name));
  if (unknown.length === 0) return;
  throw new DatabaseError(
    `the database was migrated by a newer broker (migration ${unknown.sort().at(-1)}, ` +
      `this build knows up to ${known.at(-1)}); ` +
      'run that version or restore a backup taken before the upgrade',
  );
}

/** Brings the schema to the newest migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<BrokerDatabase>): Promise<void> {
  await refuseANewerDatabase(db);
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error) {
    const name = failed ? ` "${failed.migrationName}"` : '';
    throw new DatabaseError(
      `database migration${name} failed: ${(error as Error).message ?? String(error)}`,
    );
  }
}

/** Migrations may take long on a big table: on PostgreSQL they run without the timeouts. */
async function migrate(url: string, db: Kysely<BrokerDatabase>, kind: DatabaseKind) {
  if (kind === 'sqlite') return migrateToLatest(db);
  const { db: untimed } = openDatabase(url, { settings: null });
  try {
    await migrateToLatest(untimed);
  } finally {
    await untimed.destroy();
  }
}

/** Start-up: open, make sure the server answers (so that the error says so), migrate. */
export async function prepareDatabase(
  url: string,
  options: DatabaseOptions = {},
): Promise<Kysely<BrokerDatabase>> {
  const { db, kind } = openDatabase(url, options);
  try {
    await sql`select 1`.execute(db).catch((error: Error) => {
      const reason = error instanceof DatabaseConnectionError ? error.cause : error;
      throw new DatabaseError(
        `DATABASE_URL ${shown(url)} cannot be reached (${(reason as Error).message}); ` +
          'start the database server or correct DATABASE_URL',
      );
    });
    await migrate(url, db, kind);
    return db;
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
}
