import { existsSync } from 'node:fs';
import { sqliteDriver } from './sqlite-driver.js';

/** A backup that cannot be taken; the message says what to change. */
export class BackupError extends Error {
  override name = 'BackupError';
}

/**
 * Pages per step of the online backup: all of them. SQLite restarts a backup whenever another
 * connection (the running broker) writes between two steps; copied in one step, the copy is
 * one read transaction of the live database (WAL lets the broker keep writing meanwhile) and a
 * busy broker can never keep it restarting.
 */
const EVERY_PAGE = 0x7fffffff;

/**
 * Copies the SQLite database at `source` to the new file `target` while the broker runs, and
 * checks the copy (PRAGMA integrity_check). Returns the copy's size in pages.
 */
export async function backUpSqlite(source: string, target: string): Promise<number> {
  if (!existsSync(source)) throw new BackupError(`there is no SQLite database at ${source}`);
  if (existsSync(target))
    throw new BackupError(`${target} exists already; name a new file for the backup`);
  const { Database } = sqliteDriver();
  const live = new Database(source, { fileMustExist: true });
  let pages: number;
  try {
    live.pragma('busy_timeout = 5000');
    ({ totalPages: pages } = await live.backup(target, { progress: () => EVERY_PAGE }));
  } finally {
    live.close();
  }
  const copy = new Database(target, { readonly: true });
  try {
    const verdict = copy.pragma('integrity_check', { simple: true });
    if (verdict !== 'ok') throw new BackupError(`the copy at ${target} is damaged: ${verdict}`);
  } finally {
    copy.close();
  }
  return pages;
}
