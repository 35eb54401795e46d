import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { jest } from '@jest/globals';
import { sql } from 'kysely';
import { KyselyCallRepository } from '../src/calls/kysely-call.repository.js';
import type { CallRecord } from '../src/calls/call.model.js';
import { prepareDatabase } from '../src/database/database.js';
import { BackupError, backUpSqlite } from '../src/database/sqlite-backup.js';
import { sqliteDriver } from '../src/database/sqlite-driver.js';
import { buildIfStale, REPO } from './support/broker-process.js';
import { aCallRecord } from './support/call-records.js';

const BACKUP_CLI = join(REPO, 'dist', 'database', 'backup-cli.js');

/** `npm run backup -- <file>` as an operator runs it beside the broker: its exit code and output. */
function backUp(databaseUrl: string, target: string) {
  const child = spawn(process.execPath, [BACKUP_CLI, target], {
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.once('close', (code) => done({ code, stdout, stderr })),
  );
}

const call = (n: number): CallRecord =>
  aCallRecord({ id: `call-${String(n).padStart(6, '0')}`, title: `Pump ${n}`, seq: n });

describe('an online backup of a busy SQLite database, restored', () => {
  jest.setTimeout(120_000); // compiling dist/ when it is stale
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-backup-'));
  const live = `sqlite:${join(dir, 'broker.db')}`;
  beforeAll(() => buildIfStale());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds every call committed before it began, each whole, and the broker starts on it', async () => {
    const db = await prepareDatabase(live);
    // A reader holding one snapshot throughout keeps SQLite from checkpointing what is committed
    // after it into the file: every call below lives in the WAL only, as a busy broker's newest
    // commits do, so a copy of the file alone (cp broker.db) would have none of them.
    const reader = new (sqliteDriver().Database)(join(dir, 'broker.db'));
    reader.prepare('begin').run();
    reader.prepare('select count(*) from calls').get();
    const calls = new KyselyCallRepository(db);
    const written: CallRecord[] = [];
    const write = async () => {
      const record = call(written.length);
      await calls.insert(record, null);
      written.push(record);
    };
    for (let n = 0; n < 300; n++) await write();

    // The broker keeps committing calls on its own connection while the backup process copies.
    const beforeBackup = written.length;
    let running = true;
    const backup = backUp(live, join(dir, 'backup.db')).finally(() => (running = false));
    while (running) {
      await write();
      await nextTurn();
    }
    const { code, stdout, stderr } = await backup;
    const duringBackup = written.length - beforeBackup;
    reader.prepare('commit').run();
    reader.close();
    await db.destroy();

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(
      /^backed up .*broker\.db to .*backup\.db \(\d+ pages, integrity ok\)\n$/,
    );
    expect(duringBackup).toBeGreaterThan(0);

    // Restore: the broker stopped, the backup put in place of its file (no -wal, no -shm left).
    mkdirSync(join(dir, 'restored'));
    const restored = join(dir, 'restored', 'broker.db');
    copyFileSync(join(dir, 'backup.db'), restored);
    const started = await prepareDatabase(`sqlite:${restored}`); // migrations run, nothing to do
    try {
      const { rows } = await sql<{ id: string }>`select id from calls order by id`.execute(started);
      const ids = rows.map((row) => row.id);
      // One moment of the live database: the calls up to some point of the writing, none missing.
      expect(ids.length).toBeGreaterThanOrEqual(beforeBackup);
      expect(ids).toEqual(written.slice(0, ids.length).map((record) => record.id));
      const repository = new KyselyCallRepository(started);
      const found = await repository.findMany(ids);
      expect(found.sort((a, b) => a.id.localeCompare(b.id))).toEqual(written.slice(0, ids.length));
      const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(
        started,
      );
      expect(integrity.rows).toEqual([{ integrity_check: 'ok' }]);
      expect((await sql`pragma foreign_key_check`.execute(started)).rows).toEqual([]);
    } finally {
      await started.destroy();
    }
  });

  it('writes the copy for its owner alone, and leaves nothing behind when it cannot', async () => {
    const db = await prepareDatabase(live);
    await db.destroy();
    const target = join(dir, 'private.db');
    await backUpSqlite(join(dir, 'broker.db'), target);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    // Refused, and the file there untouched; a folder that does not exist: no partial file.
    await expect(backUpSqlite(join(dir, 'broker.db'), target)).rejects.toThrow(/exists already/);
    const nowhere = join(dir, 'no-such-folder', 'backup.db');
    await expect(backUpSqlite(join(dir, 'broker.db'), nowhere)).rejects.toThrow(BackupError);
    expect(readdirSync(dir).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });
});
