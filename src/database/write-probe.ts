import { sql, type Kysely, type Migration } from 'kysely';
import { statSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { DatabaseConnectionError, storageFailureOf } from '../common/storage-failure.js';
import type { BrokerDatabase } from './schema.js';
import { sqlitePathOf } from './sqlite-url.js';

/** One row, rewritten by every readiness check: the database must accept a write to be ready. */
export const writeProbeMigrations: Record<string, Migration> = {
  '2026-12-03-130-write-probe': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('write_probe')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('checked_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('write_probe').execute();
    },
  },
};

/** Fewer free pages than this under max_page_count, or fewer free bytes on its disk: full. */
const MIN_FREE_PAGES = 8;
const MIN_FREE_BYTES = 1024 * 1024;

export interface DatabaseHealth {
  up: boolean;
  /** Why not, in words fit for /readyz (codes, never the database's own text or paths). */
  message?: string;
}

interface FileIdentity {
  path: string;
  dev: number;
  ino: number;
}

/**
 * Whether the database accepts writes, for /readyz: a SQLite file still the one opened (not
 * deleted or replaced: the broker would write to a file nobody sees), room left under
 * max_page_count and on its disk, and one committed write (read-only, I/O errors, PostgreSQL's
 * read-only transactions and full disks). Logs when it goes down and comes back, once each.
 * Answers within `deadlineMs` whatever the database does: a check still running then is down
 * (a probe that waits longer than the orchestrator's own timeout reads as a hang), and the next
 * check joins the one still running rather than piling up connections on a server that is gone.
 */
export class DatabaseProbe {
  private readonly file?: FileIdentity;
  private lastMessage?: string;
  private running?: Promise<DatabaseHealth>;

  constructor(
    private readonly db: Kysely<BrokerDatabase>,
    databaseUrl: string,
    private readonly deadlineMs: number,
    private readonly logger?: Logger,
  ) {
    const path = sqlitePathOf(databaseUrl) ?? '';
    if (path && path !== ':memory:') {
      const { dev, ino } = statSync(resolve(path));
      this.file = { path: resolve(path), dev, ino };
    }
  }

  async check(): Promise<DatabaseHealth> {
    this.running ??= this.inspect().finally(() => (this.running = undefined));
    const health = await this.withinDeadline(this.running);
    if (health.message !== this.lastMessage) {
      if (health.up) this.logger?.info('the database accepts writes again');
      else this.logger?.error({ reason: health.message }, 'the database does not accept writes');
      this.lastMessage = health.message;
    }
    return health;
  }

  private async inspect(): Promise<DatabaseHealth> {
    return this.checkFile() ?? (await this.checkRoom()) ?? (await this.checkWrite());
  }

  private async withinDeadline(check: Promise<DatabaseHealth>): Promise<DatabaseHealth> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<DatabaseHealth>((resolve) => {
      const message = `the database did not answer within ${this.deadlineMs} ms`;
      timer = setTimeout(() => resolve({ up: false, message }), this.deadlineMs);
    });
    try {
      return await Promise.race([check, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private checkFile(): DatabaseHealth | undefined {
    if (!this.file) return undefined;
    try {
      const { dev, ino } = statSync(this.file.path);
      if (dev === this.file.dev && ino === this.file.ino) return undefined;
      return { up: false, message: 'the SQLite file was replaced since the broker opened it' };
    } catch {
      return { up: false, message: 'the SQLite file was deleted since the broker opened it' };
    }
  }

  private async checkRoom(): Promise<DatabaseHealth | undefined> {
    if (!this.file) return undefined;
    try {
      const pragma = async (name: string) =>
        Number(Object.values((await sql.raw(`pragma ${name}`).execute(this.db)).rows[0] ?? {})[0]);
      const [pages, maxPages, freePages] = await Promise.all(
        ['page_count', 'max_page_count', 'freelist_count'].map(pragma),
      );
      if (maxPages - pages + freePages < MIN_FREE_PAGES)
        return { up: false, message: 'the database is full (SQLite max_page_count reached)' };
      const disk = statfsSync(dirname(this.file.path));
      if (disk.bavail * disk.bsize < MIN_FREE_BYTES)
        return { up: false, message: 'the database disk is full' };
      return undefined;
    } catch (error) {
      return this.failed(error);
    }
  }

  private async checkWrite(): Promise<DatabaseHealth> {
    try {
      await sql`insert into write_probe (id, checked_at) values (1, ${new Date().toISOString()})
        on conflict (id) do update set checked_at = excluded.checked_at`.execute(this.db);
      return { up: true };
    } catch (error) {
      return this.failed(error);
    }
  }

  private failed(error: unknown): DatabaseHealth {
    const kind = storageFailureOf(error);
    const code =
      error instanceof DatabaseConnectionError
        ? error.driverCode
        : String((error as { code?: unknown }).code ?? 'no code');
    if (!kind) return { up: false, message: `the database does not answer (${code})` };
    if (kind === 'unreachable')
      return { up: false, message: `the database cannot be reached (${code})` };
    if (kind === 'timeout')
      return { up: false, message: `the database did not answer in time (${code})` };
    const what = { full: 'is full', read_only: 'is read-only', io_error: 'reports an I/O error' };
    return { up: false, message: `the database refuses writes: it ${what[kind]} (${code})` };
  }
}
