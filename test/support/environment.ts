import { randomUUID } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * What the suites need from the machine, found in ONE place: PostgreSQL (TEST_POSTGRES_URL) and
 * Chromium (CHROMIUM_PATH or the usual places). When one is missing, a suite that needs it says
 * so in one loud line and is skipped, so `npm test` passes on a fresh laptop; under CI=true a
 * missing one fails the suite instead, so CI can never go green by skipping.
 *
 *   const postgres = await requirePostgres('calls on PostgreSQL');
 *   describeIf(postgres)('calls on PostgreSQL', () => { ... postgres!.createDatabase() ... });
 *
 *   const chromium = requireChromium('the dashboard');
 *   describeIf(chromium)('the dashboard', () => { ... executablePath: chromium ... });
 */

type Env = Record<string, string | undefined>;

export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Flags Chromium needs here: headless as root, and no calls home on a closed network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const CHROMIUM_PLACES = [
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/snap/bin/chromium',
];

/** `describe` when the requirement was found, `describe.skip` when it was not. */
export function describeIf(found: unknown): jest.Describe {
  return found ? describe : describe.skip;
}

/**
 * Missing outside CI: one line on stderr (not console.warn, whose stack trace buries it).
 * Under CI=true: an error, which fails the suite that asked.
 */
export function missing(suite: string, what: string, fix: string, env: Env = process.env): void {
  const line = `${what} - ${fix}`;
  if (env.CI === 'true') throw new Error(`${suite}: ${line} (CI=true: a missing one fails)`);
  process.stderr.write(`\n!!! SKIPPED "${suite}": ${line}\n`);
}

/** A fresh, empty database for one suite; `drop()` removes it (open connections included). */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export interface TestPostgres {
  /** A URL where this user may create databases. */
  adminUrl: string;
  createDatabase(): Promise<TestDatabase>;
}

/** One database a broker suite runs on; `create` unset: the harness's own SQLite file. */
export interface TestDatabaseKind {
  name: 'SQLite' | 'PostgreSQL';
  create?: () => Promise<TestDatabase>;
}

/**
 * SQLite always, and PostgreSQL when it answers (else skipped loudly, see requirePostgres):
 * `describe.each(await brokerDatabases('my suite'))('my suite on $name', ({ create }) => ...)`
 * with `new BrokerHarness({ database: create })`.
 */
export async function brokerDatabases(suite: string): Promise<TestDatabaseKind[]> {
  const postgres = await requirePostgres(`${suite} on PostgreSQL`);
  return [
    { name: 'SQLite' },
    ...(postgres ? [{ name: 'PostgreSQL' as const, create: () => postgres.createDatabase() }] : []),
  ];
}

/** The PostgreSQL server at TEST_POSTGRES_URL (or the machine's default), if it answers. */
export async function requirePostgres(
  suite: string,
  env: Env = process.env,
): Promise<TestPostgres | undefined> {
  const adminUrl = env.TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL;
  const shown = hidePassword(adminUrl);
  try {
    await withAdmin(adminUrl, (admin) => admin.query('SELECT 1'));
  } catch (error) {
    missing(
      suite,
      `PostgreSQL is not reachable at ${shown} (${(error as Error).message})`,
      'start it, or set TEST_POSTGRES_URL to a server where this user may create databases',
      env,
    );
    return undefined;
  }
  return {
    adminUrl,
    async createDatabase() {
      const name = `broker_test_${randomUUID().replaceAll('-', '')}`;
      await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        drop: async () => {
          await withAdmin(adminUrl, async (admin) => {
            // A pool just closed may still be saying goodbye (pg's end() does not wait for its
            // sockets), and FORCE would make those clients raise an unhandled error: give them a
            // second to go before forcing out whatever the suite itself left open.
            for (let wait = 0; wait < 20; wait++) {
              const { rows } = await admin.query(
                'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
                [name],
              );
              if (rows[0].n === 0) break;
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
            await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          });
        },
      };
    },
  };
}

export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** Redis for the cluster suites: a URL, and a key prefix of this suite's own (Redis is shared). */
export interface TestRedis {
  url: string;
  /** A fresh REDIS_KEY_PREFIX each call: nothing another run wrote or publishes is heard. */
  uniquePrefix(): string;
  /** Deletes every key under `prefix` (the socket.io stream, sessions): a suite leaves nothing behind. */
  dropPrefix(prefix: string): Promise<void>;
}

/** The Redis at TEST_REDIS_URL (or the machine's default), if it answers PING. */
export async function requireRedis(
  suite: string,
  env: Env = process.env,
): Promise<TestRedis | undefined> {
  const url = env.TEST_REDIS_URL || DEFAULT_TEST_REDIS_URL;
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    missing(
      suite,
      `Redis is not reachable at ${hidePassword(url)} (${(error as Error).message})`,
      'start it, or set TEST_REDIS_URL',
      env,
    );
    return undefined;
  } finally {
    probe.disconnect();
  }
  return {
    url,
    uniquePrefix: () => `test-${randomUUID().slice(0, 8)}:`,
    async dropPrefix(prefix) {
      // Redis is shared: only ever a prefix uniquePrefix() made.
      if (!/^test-[0-9a-f]{8}:$/.test(prefix)) return;
      const redis = new Redis(url, { maxRetriesPerRequest: 1 });
      redis.on('error', () => undefined);
      try {
        const keys: string[] = [];
        for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 1000 }))
          keys.push(...(batch as string[]));
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Chromium's path from CHROMIUM_PATH, the usual places or PATH, if there is one. */
export function requireChromium(suite: string, env: Env = process.env): string | undefined {
  if (env.CHROMIUM_PATH) {
    if (isExecutable(env.CHROMIUM_PATH)) return env.CHROMIUM_PATH;
    missing(
      suite,
      `CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file`,
      'point it at Chromium or Chrome, or unset it to look in the usual places',
      env,
    );
    return undefined;
  }
  const dirs = ['/usr/bin', ...(env.PATH ?? '').split(delimiter).filter(Boolean)];
  const candidates = [...dirs.flatMap((dir) => CHROMIUM_NAMES.map((n) => join(dir, n)))];
  const found = [...candidates, ...CHROMIUM_PLACES].find(isExecutable);
  if (found) return found;
  missing(
    suite,
    'Chromium is not installed (looked for chromium, chromium-browser, google-chrome)',
    'apt-get install chromium, or set CHROMIUM_PATH',
    env,
  );
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function withAdmin<T>(url: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  admin.on('error', () => undefined); // a server going away mid-suite fails the query instead
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

function hidePassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}
