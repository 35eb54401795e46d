import { jest } from '@jest/globals';
import { sql, type Kysely } from 'kysely';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { DATABASE } from '../src/database/database.module.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { BrokerHarness } from './support/broker-harness.js';
import { requirePostgres } from './support/environment.js';

const BODY = { expertIds: ['erika'], title: 'Pump 7 vibration' };

async function readyz(sut: BrokerHarness) {
  return sut.api('GET', '/readyz');
}

/** Creates calls until one is refused (a few may still fit in pages SQLite already has). */
async function createUntilRefused(sut: BrokerHarness) {
  for (let attempt = 0; attempt < 30; attempt++) {
    const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: BODY });
    if (answer.status !== 201) return answer;
  }
  throw new Error('every create was accepted');
}

function expectStorageRefusal(answer: { status: number; body: any }, storage: string): void {
  expect(answer.status).toBe(503);
  expect(answer.body).toMatchObject({ statusCode: 503, code: 'storage_unavailable', storage });
  expect(answer.body.message).toMatch(
    /^the broker cannot store data: its database .*try again later$/,
  );
}

describe('storage failures on SQLite (issue 9, finding 8)', () => {
  jest.setTimeout(60_000);
  let sut: BrokerHarness;
  let db: Kysely<BrokerDatabase>;

  beforeEach(async () => {
    sut = await new BrokerHarness().start();
    db = sut.app!.get(DATABASE);
  });
  afterEach(() => sut.stop());

  it('a full database answers 503 storage_unavailable, logs SQLITE_FULL (not the rollback) and /readyz says so', async () => {
    expect((await readyz(sut)).status).toBe(200);
    // No page beyond those the file has: the next one SQLite needs is refused with SQLITE_FULL.
    await sql`pragma max_page_count = 1`.execute(db);
    expectStorageRefusal(await createUntilRefused(sut), 'full');
    const logged = sut.log.lines.filter((line) => line.includes('the database refuses writes'));
    expect(logged.join('\n')).toContain('SQLITE_FULL');
    expect(sut.log.lines.join('\n')).not.toContain('cannot rollback');
    const ready = await readyz(sut);
    expect(ready.status).toBe(503);
    expect(ready.body.error.database.message).toMatch(/full/);

    await sql`pragma max_page_count = 1073741823`.execute(db);
    expect((await readyz(sut)).status).toBe(200);
  });

  it('a read-only database answers 503 storage_unavailable and /readyz says read-only', async () => {
    // Tests run as root, for whom chmod does not bite: query_only refuses writes the same way.
    await sql`pragma query_only = ON`.execute(db);
    const refused = await sut.api('POST', '/v1/calls', { as: 'tom', body: BODY });
    expectStorageRefusal(refused, 'read_only');
    expect(sut.log.lines.join('\n')).toContain('SQLITE_READONLY');
    const ready = await readyz(sut);
    expect(ready.status).toBe(503);
    expect(ready.body.error.database.message).toMatch(/read-only \(SQLITE_READONLY/);
    expect(sut.simulator.state.listCalls()).toEqual([]);

    await sql`pragma query_only = OFF`.execute(db);
    expect((await readyz(sut)).status).toBe(200);
  });

  it('a deleted SQLite file makes /readyz answer 503 at once', async () => {
    expect((await readyz(sut)).status).toBe(200);
    const path = sut.config.databaseUrl.slice('sqlite:'.length);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    const ready = await readyz(sut);
    expect(ready.status).toBe(503);
    expect(ready.body.error.database.message).toBe(
      'the SQLite file was deleted since the broker opened it',
    );
    expect(sut.log.lines.join('\n')).toContain('the database does not accept writes');
  });
});

const postgres = await requirePostgres('storage failures on PostgreSQL');
(postgres ? describe : describe.skip)('storage failures on PostgreSQL (issue 9, finding 8)', () => {
  jest.setTimeout(60_000);
  let sut: BrokerHarness;

  beforeEach(async () => {
    sut = await new BrokerHarness({ database: () => postgres!.createDatabase() }).start();
  });
  afterEach(() => sut.stop());

  /** Every new transaction of the broker's database read-only (25006), its connections renewed. */
  async function readOnly(on: boolean): Promise<void> {
    const name = new URL(sut.config.databaseUrl).pathname.slice(1);
    const admin = new pg.Client({ connectionString: postgres!.adminUrl });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} SET default_transaction_read_only = ${on}`);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
    } finally {
      await admin.end();
    }
  }

  it('a read-only database answers 503 storage_unavailable and /readyz says read-only', async () => {
    expect((await readyz(sut)).status).toBe(200);
    await readOnly(true);
    // The first query may meet a connection the server just ended; the pool opens a new one.
    await readyz(sut);
    const refused = await sut.api('POST', '/v1/calls', { as: 'tom', body: BODY });
    expectStorageRefusal(refused, 'read_only');
    expect(sut.log.lines.join('\n')).toContain('25006');
    const ready = await readyz(sut);
    expect(ready.status).toBe(503);
    expect(ready.body.error.database.message).toMatch(/read-only \(25006\)/);

    await readOnly(false);
    await readyz(sut);
    expect((await readyz(sut)).status).toBe(200);
  });
});
