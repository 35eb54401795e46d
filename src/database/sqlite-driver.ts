import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

export type SqliteConstructor = typeof BetterSqlite3;

/**
 * Which better-sqlite3 this Node runs.
 *
 * better-sqlite3 12 is the last line that builds for Node 20, but its classes wrap the raw
 * `node::ObjectWrap`, whose destructor asserts on Node 24 when V8 collects a statement: the
 * process aborts ("Assertion failed: (env) != nullptr" in RemoveEnvironmentCleanupHook), at exit
 * or in the middle of work. 13 is built on Node-API and does not, but needs Node 22 or later.
 * package.json therefore installs 13 as the optional dependency `better-sqlite3-napi` (npm skips
 * it on Node 20) beside 12, and this picks 13 wherever it is installed.
 */
export interface SqliteDriver {
  Database: SqliteConstructor;
  /** The package the constructor came from, for logs and tests. */
  packageName: 'better-sqlite3-napi' | 'better-sqlite3';
}

const load = createRequire(import.meta.url);
let chosen: SqliteDriver | undefined;

function tryLoad(packageName: SqliteDriver['packageName']): SqliteDriver | undefined {
  try {
    return { Database: load(packageName) as SqliteConstructor, packageName };
  } catch {
    return undefined;
  }
}

export function sqliteDriver(): SqliteDriver {
  chosen ??= tryLoad('better-sqlite3-napi') ?? {
    Database: load('better-sqlite3') as SqliteConstructor,
    packageName: 'better-sqlite3',
  };
  return chosen;
}

/** A statement that does nothing: the ROLLBACK of a transaction SQLite already rolled back. */
const NOTHING_TO_ROLL_BACK: SqliteStatement = {
  reader: false,
  all: () => [],
  run: () => ({ changes: 0, lastInsertRowid: 0 }),
  iterate: () => [][Symbol.iterator](),
};

/**
 * The database as Kysely's SqliteDialect sees it, with one fix: on SQLITE_FULL, SQLITE_IOERR and
 * a few others SQLite rolls the transaction back by itself, and Kysely's own ROLLBACK then throws
 * "cannot rollback - no transaction is active", which replaces the real error. A ROLLBACK with no
 * transaction open does nothing here, so the error that caused it is the one thrown and logged.
 */
export function keepingTheRealError(sqlite: BetterSqlite3.Database): SqliteDatabase {
  return {
    close: () => sqlite.close(),
    prepare: (query) =>
      /^\s*rollback\s*;?\s*$/i.test(query) && !sqlite.inTransaction
        ? NOTHING_TO_ROLL_BACK
        : sqlite.prepare(query),
  };
}
