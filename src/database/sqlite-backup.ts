import { closeSync, existsSync, linkSync, openSync, rmSync } from 'node:fs';
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
 *
 * The copy is written to `<target>.partial`, created for the owner alone (0600: it holds the
 * calls and the people in them), and linked to `target` only once checked: a failed backup leaves
 * nothing behind, and a file that appeared at `target` meanwhile is never overwritten.
 */
export async function backUpSqlite(source: string, target: string): Promise<number> {
  if (!existsSync(source)) throw new BackupError(`there is no SQLite database at ${source}`);
  if (existsSync(target))
    throw new BackupError(`${target} exists already; name a new file for the backup`);
  const partial = `${target}.partial`;
  try {
    closeSync(openSync(partial, 'wx', 0o600));
  } catch (error) {
    throw new BackupError(`cannot write ${partial}: ${(error as Error).message}`);
  }
  try {
    const pages = await copyAndCheck(source, partial);
    linkSync(partial, target);
    return pages;
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`backing up to ${target} failed: ${(error as Error).message}`);
  } finally {
    rmSync(partial, { force: true });
  }
}

async function copyAndCheck(source: string, target: string): Promise<number> {
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
