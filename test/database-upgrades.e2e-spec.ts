import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, prepareDatabase } from '../src/database/database.js';
import { requirePostgres, type TestDatabase } from './support/environment.js';
import {
  FUTURE_MIGRATION,
  migrateAsANewerBroker,
  newerDatabaseRefusal,
} from './support/newer-database.js';

const postgres = await requirePostgres('a start on a newer PostgreSQL database');

interface Kind {
  name: string;
  create(): Promise<TestDatabase>;
}

const kinds: Kind[] = [
  {
    name: 'SQLite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'upgrades-'));
      return {
        url: `sqlite:${join(dir, 'broker.db')}`,
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  ...(postgres ? [{ name: 'PostgreSQL', create: () => postgres.createDatabase() }] : []),
];

describe.each(kinds)('a start on a $name database migrated by a newer broker', ({ create }) => {
  // Issue 22: an older build stopped with Kysely's "corrupted migrations: previously executed
  // migration ... is missing", which says neither what happened nor what to do.
  it('stops with one line naming both migrations and what to do, and changes nothing', async () => {
    const database = await create();
    try {
      await migrateAsANewerBroker(database.url);
      const failure = await prepareDatabase(database.url).then(
        async (db) => (await db.destroy(), 'prepared'),
        (error: Error) => `${error.name}: ${error.message}`,
      );
      expect(failure).toBe(`DatabaseError: ${await newerDatabaseRefusal()}`);
      expect(failure).not.toMatch(/corrupted/);
      // Still the newer broker's database: a start of that version finds its row.
      const { db } = openDatabase(database.url);
      const { rows } = await sql<{ name: string }>`select name from kysely_migration
        where name = ${FUTURE_MIGRATION}`.execute(db);
      await db.destroy();
      expect(rows).toHaveLength(1);
    } finally {
      await database.drop();
    }
  });
});
