import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import pg from 'pg';
import { describeIf, requireChromium, requirePostgres } from './support/environment.js';

const NO_POSTGRES = 'postgres://postgres@127.0.0.1:1/postgres';
const NO_CHROMIUM = '/nonexistent/chromium';

/** Runs jest on some suites in a child process, as `npm test` would on another machine. */
function jestRun(files: string[], env: Record<string, string>) {
  const { CI: _ci, ...inherited } = process.env;
  const run = spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--no-warnings',
      'node_modules/jest/bin/jest.js',
      '--verbose',
      ...files,
    ],
    { env: { ...inherited, ...env }, encoding: 'utf8', timeout: 180_000 },
  );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('npm test on a machine without PostgreSQL or Chromium', () => {
  // A whole nested jest run (ts-jest compiling cold on a shared machine) takes its time.
  jest.setTimeout(200_000);
  const suites = ['test/call-repository.e2e-spec.ts', 'test/dashboard.e2e-spec.ts'];
  const skipped = (output: string) => output.split('\n').filter((l) => l.startsWith('!!! SKIPPED'));

  it('says so in one loud line per suite and skips only what needs them', () => {
    const run = jestRun(suites, { TEST_POSTGRES_URL: NO_POSTGRES, CHROMIUM_PATH: NO_CHROMIUM });
    expect(run.status).toBe(0);
    const lines = skipped(run.output);
    expect(lines).toHaveLength(2); // the suites run in parallel: either order
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringContaining('PostgreSQL is not reachable at postgres://postgres@127.0.0.1:1/'),
        expect.stringContaining(`CHROMIUM_PATH=${NO_CHROMIUM} is not an executable file`),
      ]),
    );
    expect(run.output).toMatch(/KyselyCallRepository on SQLite/);
    expect(run.output).toMatch(/Tests: +\d+ skipped, \d+ passed/);
  });

  it('fails those suites instead under CI=true', () => {
    const run = jestRun(suites, {
      TEST_POSTGRES_URL: NO_POSTGRES,
      CHROMIUM_PATH: NO_CHROMIUM,
      CI: 'true',
    });
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/Test Suites: 2 failed/);
    expect(run.output).toContain('CI=true: a missing one fails');
    expect(skipped(run.output)).toEqual([]);
  });
});

describe('finding what the suites need', () => {
  const dir = mkdtempSync(join(tmpdir(), 'env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const quiet = () => jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  afterEach(() => jest.restoreAllMocks());

  it('finds Chromium through CHROMIUM_PATH, then by its usual names on PATH', () => {
    const fake = join(dir, 'chromium-browser');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(requireChromium('s', { CHROMIUM_PATH: fake })).toBe(fake);
    const onPath = requireChromium('s', { PATH: dir });
    expect(onPath === fake || onPath?.startsWith('/usr/bin/')).toBe(true);
  });

  it('under CI=true a missing one throws, naming the suite and the fix', async () => {
    const env = { CI: 'true', TEST_POSTGRES_URL: NO_POSTGRES, CHROMIUM_PATH: NO_CHROMIUM };
    await expect(requirePostgres('pg suite', env)).rejects.toThrow(
      /pg suite: PostgreSQL is not reachable .* set TEST_POSTGRES_URL/,
    );
    expect(() => requireChromium('browser suite', env)).toThrow(/browser suite: CHROMIUM_PATH=/);
  });

  it('outside CI a missing one is one line on stderr and no error', async () => {
    const write = quiet();
    expect(await requirePostgres('pg suite', { TEST_POSTGRES_URL: NO_POSTGRES })).toBeUndefined();
    expect(write).toHaveBeenCalledTimes(1);
    expect(String(write.mock.calls[0][0]).trim().split('\n')).toHaveLength(1);
  });
});

const postgres = await requirePostgres('test databases from the helper');

describeIf(postgres)('test databases from the helper', () => {
  it('gives each suite a database of its own and drops it', async () => {
    const database = await postgres!.createDatabase();
    const other = await postgres!.createDatabase();
    expect(database.url).not.toBe(other.url);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect(); // left open: drop() must not wait for the suite's own connections
    client.on('error', () => undefined);
    await Promise.all([database.drop(), other.drop()]);
    await client.end().catch(() => undefined);
    const again = new pg.Client({ connectionString: database.url });
    await expect(again.connect()).rejects.toThrow(/does not exist/);
  });
});
