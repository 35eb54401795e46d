import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { waitFor } from './support/broker-harness.js';
import { BrokerProcess, REPO } from './support/broker-process.js';
import { describeIf, requirePostgres, type TestDatabase } from './support/environment.js';
import { ProductionBrokers } from './support/production-broker.js';

const MAIN = join(REPO, 'dist', 'main.js');
const postgres = await requirePostgres('broker instances on PostgreSQL');
/** The one line a refused start prints (Nest's own exception log aside, as for every start-up error). */
const REFUSAL = /^start-up failed: another broker instance is live on this database/;

/** Starts a broker that is expected to refuse to start; resolves with its exit code and output. */
async function refusedStart(brokers: ProductionBrokers, env: Record<string, string> = {}) {
  const run = BrokerProcess.node(MAIN, brokers.dir, { ...brokers.env, ...env });
  brokers.runs.push(run);
  const exitCode = await waitFor(
    async () => run.child.exitCode,
    (code) => code !== null,
    30_000,
  );
  await run.stop();
  return { exitCode, lines: run.lines };
}

interface DatabaseUnderTest {
  name: string;
  url: () => Promise<{ url: string; drop(): Promise<void> } | undefined>;
}

const DATABASES: DatabaseUnderTest[] = [
  { name: 'SQLite', url: async () => undefined },
  ...(postgres ? [{ name: 'PostgreSQL', url: () => postgres.createDatabase() }] : []),
];

/**
 * One broker without REDIS_URL per database (issue 20): a second one is refused with one line
 * that names the live instance, while a broker restarted right after kill -9 of the first is not.
 */
describe.each(DATABASES)('a second broker instance on $name without REDIS_URL', ({ url }) => {
  jest.setTimeout(90_000);
  const brokers = new ProductionBrokers('cluster-single');
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    database = await url();
    await brokers.setUp({ env: database ? { DATABASE_URL: database.url } : {} });
  });
  afterAll(async () => {
    await brokers.tearDown();
    await database?.drop();
  });

  it('is refused while the first lives, and not after the first was killed with -9', async () => {
    const first = await brokers.start();
    const pid = first.run.child.pid!;

    const refused = await refusedStart(brokers);
    expect(refused.exitCode).toBe(1);
    const said = refused.lines.filter((line) => REFUSAL.test(line));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      new RegExp(
        `^start-up failed: another broker instance is live on this database: \\S+ \\(host \\S+, pid ${pid}, seen \\d+ s ago\\); stop it, or run several with REDIS_URL on PostgreSQL$`,
      ),
    );

    if (database) {
      // Nor may one of several join it: it must stay the only one.
      const several = await refusedStart(brokers, { REDIS_URL: 'redis://127.0.0.1:6379' });
      expect(several.exitCode).toBe(1);
      expect(
        several.lines.filter((line) =>
          line.startsWith(
            'start-up failed: a broker instance without REDIS_URL is live on this database: ',
          ),
        ),
      ).toHaveLength(1);
    }

    await first.run.stop('SIGKILL');
    const restarted = await brokers.start();
    expect(restarted.run.lines.some((line) => REFUSAL.test(line))).toBe(false);
  });
});

/**
 * Several brokers with REDIS_URL on one PostgreSQL database: both start, one holds the leader
 * lease, and it moves to the other within the lease time once the leader is killed with -9.
 */
describeIf(postgres)('several broker instances with REDIS_URL on PostgreSQL', () => {
  jest.setTimeout(90_000);
  const LEASE_TTL_MS = 2_000;
  const brokers = new ProductionBrokers('cluster-several');
  const tag = randomBytes(3).toString('hex');
  let database: TestDatabase;
  let client: pg.Client;
  /** The instance that leads once the first was killed. */
  let survivor: BrokerProcess;

  beforeAll(async () => {
    database = await postgres!.createDatabase();
    await brokers.setUp({
      env: {
        DATABASE_URL: database.url,
        REDIS_URL: 'redis://127.0.0.1:6379',
        // This run's own keys and channels: two CI runs share the machine's Redis.
        REDIS_KEY_PREFIX: `test-${tag}:`,
        LEASE_TTL_MS: String(LEASE_TTL_MS),
      },
    });
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await brokers.tearDown();
    await database.drop();
  });

  const leader = async () =>
    (await client.query(`SELECT owner, epoch FROM leases WHERE name = 'leader'`)).rows[0] as
      { owner: string | null; epoch: number } | undefined;
  const expiresAtMs = async () =>
    Number(
      (await client.query(`SELECT expires_at_ms FROM leases WHERE name = 'leader'`)).rows[0]
        .expires_at_ms,
    );
  const instances = async () =>
    (await client.query('SELECT id FROM broker_instances ORDER BY id')).rows.map(
      (row: { id: string }) => row.id,
    );
  const startAs = async (id: string) => {
    brokers.env.INSTANCE_ID = id;
    return brokers.start();
  };

  it('starts both, refuses one without REDIS_URL, and moves the leadership on kill -9', async () => {
    const [a, b] = [`a-${tag}`, `b-${tag}`];
    const first = await startAs(a);
    survivor = (await startAs(b)).run;
    expect(await instances()).toEqual([a, b]);
    expect(await leader()).toEqual({ owner: a, epoch: 1 });

    const single = await refusedStart(brokers, { INSTANCE_ID: `c-${tag}`, REDIS_URL: '' });
    expect(single.exitCode).toBe(1);
    expect(single.lines.filter((line) => REFUSAL.test(line))).toHaveLength(1);

    // a's lease as the database holds it before the kill: it lapses then or, after one more
    // renewal, later.
    const lapsesAtMs = await expiresAtMs();
    await first.run.stop('SIGKILL');
    // A deadline for "at all", not a speed: how soon is the lease's rule (LeaderLease), and
    // timing it here failed on a machine running two suites at once.
    const now = await waitFor(leader, (lease) => lease?.owner === b, 5 * LEASE_TTL_MS);
    expect(now).toEqual({ owner: b, epoch: 2 });
    // b took it by the lapse, not before: its claim (its lease's expiry less the TTL, later
    // still after a renewal) is no earlier than a's lease ran out.
    expect((await expiresAtMs()) - LEASE_TTL_MS).toBeGreaterThanOrEqual(lapsesAtMs);
  });

  it('hands the leadership back and leaves broker_instances on SIGTERM', async () => {
    await survivor.stop('SIGTERM');
    expect((await leader())?.owner).toBeNull();
    // Only the row of the instance killed with -9 is left, to lapse.
    expect(await instances()).toEqual([`a-${tag}`]);
  });
});
