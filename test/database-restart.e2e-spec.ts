import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../src/database/database.js';
import { waitFor } from './support/broker-harness.js';
import { describeIf, requirePostgres } from './support/environment.js';

const postgres = await requirePostgres('PostgreSQL closing idle connections');

/**
 * PostgreSQL ends idle connections when it restarts, fails over or an admin terminates them. pg's
 * pool re-emits that as an 'error' event, which without a listener crashes the whole process.
 */
describeIf(postgres)('PostgreSQL closing idle connections', () => {
  it('does not crash the process, and the next query opens a new connection', async () => {
    const database = await postgres!.createDatabase();
    const { db } = openDatabase(database.url);
    try {
      await sql`select 1`.execute(db); // leaves one idle connection in the pool
      const admin = new pg.Client({ connectionString: postgres!.adminUrl });
      await admin.connect();
      const name = new URL(database.url).pathname.slice(1);
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [name],
      );
      // The server has let the backend go (so the pool's idle socket is closed) before the next query.
      const left = await waitFor(
        async () =>
          (await admin.query('select 1 from pg_stat_activity where datname = $1', [name])).rowCount,
        (rows) => rows === 0,
      );
      expect(left).toBe(0);
      await admin.end();
      const { rows } = await sql<{ answer: number }>`select 2 as answer`.execute(db);
      expect(rows).toEqual([{ answer: 2 }]);
    } finally {
      await db.destroy();
      await database.drop();
    }
  });

  // pg emits 'error' on a checked-out client too when its connection ends between two queries of
  // a transaction: before issue 18 that was an uncaught exception, the whole broker down.
  it('a connection ended in the middle of a transaction fails that transaction, not the process', async () => {
    const database = await postgres!.createDatabase();
    const { db } = openDatabase(database.url);
    try {
      const ended = db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        const admin = new pg.Client({ connectionString: postgres!.adminUrl });
        await admin.connect();
        await admin.query('select pg_terminate_backend($1)', [rows[0].pid]);
        // The server has let the backend go (so its socket is closed) before the next query.
        for (;;) {
          const left = await admin.query('select 1 from pg_stat_activity where pid = $1', [
            rows[0].pid,
          ]);
          if (left.rowCount === 0) break;
        }
        await admin.end();
        await sql`select 1`.execute(trx);
      });
      await expect(ended).rejects.toMatchObject({ name: 'DatabaseConnectionError' });
      const { rows } = await sql<{ answer: number }>`select 3 as answer`.execute(db);
      expect(rows).toEqual([{ answer: 3 }]);
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
