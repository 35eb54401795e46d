import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { DEMO_DIRECTORY } from '../src/directory/demo-directory.js';
import { waitFor } from './support/broker-harness.js';
import { BrokerProcess, buildIfStale, REPO } from './support/broker-process.js';
import { migrateAsANewerBroker, newerDatabaseRefusal } from './support/newer-database.js';

const MAIN = join(REPO, 'dist', 'main.js');
const SIMULATOR = join(REPO, 'dist', 'simulator', 'main.js');
const DEMO = { BROKER_MODE: 'demo', PORT: '0' };
const BANNER_END = /-d '\{"expertIds"/;

/** The demo's banner: where it starts, its URL and the token printed for each person. */
function banner(run: BrokerProcess) {
  const start = run.lines.findIndex((line) => line.includes('running in DEMO MODE'));
  const lines = run.lines.slice(start);
  const url = /API docs: +(\S+)\/docs/.exec(lines.join('\n'))![1].replace('localhost', '127.0.0.1');
  const tokens = Object.fromEntries(
    lines.flatMap((line) => {
      const match = /^ {4}(\w+) +(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/.exec(line);
      return match ? [[match[1], match[2]]] : [];
    }),
  );
  return { start, lines, url, tokens };
}

const api = async (url: string, path: string, token: string, init: RequestInit = {}) => {
  const response = await fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as any };
};

describe('npm start in demo mode, as a real process', () => {
  // Compiling dist/ (when stale) and starting Node processes on a shared machine take a while.
  jest.setTimeout(180_000);
  const cwd = mkdtempSync(join(tmpdir(), 'broker-main-'));
  beforeAll(() => buildIfStale());
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('prints its banner after every start-up log line, with a token for every demo person', async () => {
    const run = BrokerProcess.node(MAIN, cwd, DEMO);
    try {
      await run.line(BANNER_END);
      const { start, lines, url, tokens } = banner(run);
      const before = run.lines.slice(0, start).filter(Boolean);
      // Not a terminal: every log line is JSON, and all of them came before the banner.
      expect(before.every((line) => line.startsWith('{'))).toBe(true);
      expect(before.some((line) => JSON.parse(line).msg === 'expert call broker listening')).toBe(
        true,
      );
      expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);

      expect(lines.join('\n')).toMatch(/Dashboard: +http:\/\/localhost:\d+\/#token=eyJ/);
      expect(lines.join('\n')).not.toContain('?token=');
      expect(Object.keys(tokens).sort()).toEqual(DEMO_DIRECTORY.people.map((p) => p.id).sort());
      for (const [id, token] of Object.entries(tokens)) {
        const session = await api(url, '/v1/session', token);
        expect([id, session.status, session.body.person.id]).toEqual([id, 200, id]);
      }
    } finally {
      await run.stop();
    }
  });

  // Issue 22: restarting the demo to set WEBHOOK_ALLOWED_HOSTS wiped its database.
  it('says when shutdown starts; a restart keeps the demo database, DEMO_FRESH_START=true empties it', async () => {
    const first = BrokerProcess.node(MAIN, cwd, DEMO);
    await first.line(BANNER_END);
    const { url, tokens } = banner(first);
    const created = await api(url, '/v1/calls', tokens.tom, {
      method: 'POST',
      body: JSON.stringify({ expertIds: ['erika'], title: 'Pump 7 vibration' }),
    });
    expect(created.status).toBe(201);
    await first.stop('SIGTERM');
    const shutdown = first.lines.filter((line) => line.includes('shutdown started'));
    expect(shutdown.map((line) => JSON.parse(line).signal)).toEqual(['SIGTERM']);

    const second = BrokerProcess.node(MAIN, cwd, {
      ...DEMO,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:9',
    });
    try {
      await second.line(BANNER_END);
      expect(second.output).toMatch(/kept the demo database.*DEMO_FRESH_START=true/);
      const again = banner(second);
      // The call is still there; this run's simulated xAssist never heard of it, so it fails.
      const kept = await waitFor(
        () => api(again.url, `/v1/calls/${created.body.id}`, again.tokens.sam),
        (answer) => answer.body.status === 'failed',
        30_000,
      );
      expect(kept.body).toMatchObject({ id: created.body.id, status: 'failed' });
      expect(kept.body.failureReason).toMatch(/404/);
    } finally {
      await second.stop();
    }

    const fresh = BrokerProcess.node(MAIN, cwd, { ...DEMO, DEMO_FRESH_START: 'true' });
    try {
      await fresh.line(BANNER_END);
      const empty = banner(fresh);
      const calls = await api(empty.url, '/v1/calls', empty.tokens.sam);
      expect(calls.body.calls).toEqual([]);
    } finally {
      await fresh.stop();
    }
  });

  // Issue 22: a directory of one's own without the demo expert started a demo nobody answered.
  it('stops with one line when DIRECTORY_FILE has no demo expert', async () => {
    const file = join(cwd, 'own-people.json');
    const tom = DEMO_DIRECTORY.people.find((person) => person.id === 'tom');
    writeFileSync(file, JSON.stringify({ people: [tom] }));
    const { code, stderr } = await promisify(execFile)(process.execPath, [MAIN], {
      cwd,
      env: { PATH: process.env.PATH, HOME: cwd, ...DEMO, DIRECTORY_FILE: file },
      timeout: 60_000, // a broker that starts after all is stopped, and the test fails
    }).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code: number; stderr: string }) => error,
    );
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr: `start-up failed: DIRECTORY_FILE ${file}: demo mode needs its demo expert "dana" here (an expert who takes what nobody answered): add them, or unset DIRECTORY_FILE for the demo directory\n`,
    });
  });

  it('writes readable lines, not JSON, at a terminal', async () => {
    // util-linux's script(1) gives the broker a pseudo-terminal as stdout.
    const run = new BrokerProcess(
      'script',
      ['-qfec', `"${process.execPath}" "${MAIN}"`, '/dev/null'],
      cwd,
      DEMO,
    );
    try {
      const listening = await run.line(/expert call broker listening/);
      expect(listening).not.toMatch(/^\s*\{/);
      expect(listening).toMatch(/INFO/);
    } finally {
      await run.stop();
    }
  });
});

describe('npm start on a database a newer broker migrated', () => {
  jest.setTimeout(180_000);
  const cwd = mkdtempSync(join(tmpdir(), 'broker-newer-'));
  beforeAll(() => buildIfStale());
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  // Issue 22: an older version started on an upgraded database printed Kysely's "corrupted
  // migrations" error, which neither names the versions nor says what to do (docs/operations.md).
  it('exits 1 with one line naming both migrations, without a stack trace', async () => {
    const url = `sqlite:${join(cwd, 'broker.db')}`;
    await migrateAsANewerBroker(url);
    const { code, stderr } = await promisify(execFile)(process.execPath, [MAIN], {
      cwd,
      env: { PATH: process.env.PATH, HOME: cwd, ...DEMO, DATABASE_URL: url },
    }).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code: number; stderr: string }) => error,
    );
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr: `start-up failed: ${await newerDatabaseRefusal()}\n`,
    });
  });
});

describe('npm run simulator, as a real process', () => {
  jest.setTimeout(180_000);
  beforeAll(() => buildIfStale());
  /** The simulator run with `args` until it exits by itself: its exit code and output. */
  const simulator = (...args: string[]) =>
    promisify(execFile)(process.execPath, [SIMULATOR, ...args], { cwd: REPO }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  // Issue 22: --help crashed with ERR_PARSE_ARGS_UNKNOWN_OPTION and a stack trace.
  it('prints its usage for --help and exits 0', async () => {
    const { code, stdout, stderr } = await simulator('--help');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^Usage: npm run simulator -- \[options\]/);
    for (const flag of ['--port', '--host', '--domain', '--username', '--password', '--demo'])
      expect(stdout).toContain(flag);
  });

  it('refuses an unknown flag with one line and the usage, not a stack trace', async () => {
    const { code, stdout, stderr } = await simulator('--prot', '4010');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toMatch(/--prot/);
    expect(stderr).toContain('Usage: npm run simulator');
    expect(stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});
