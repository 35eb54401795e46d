import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken } from '../../src/auth/jwt.js';
import { XAssistSimulator } from '../../src/simulator/xassist-simulator.js';
import {
  PEOPLE,
  SECRET,
  SIMULATOR_USERS,
  TEST_DATA_KEYS,
  XASSIST_PASSWORD,
} from './broker-harness.js';
import { BrokerProcess, buildIfStale, REPO } from './broker-process.js';

const MAIN = join(REPO, 'dist', 'main.js');

export interface ProcessAnswer {
  status: number;
  body: any;
  headers?: Headers;
}

/**
 * The broker as `npm start` runs it in production, as real processes that a test may kill -9
 * and start again on the same SQLite file, against the project's simulator over real HTTP.
 */
export class ProductionBrokers {
  readonly dir: string;
  readonly simulator: XAssistSimulator;
  readonly runs: BrokerProcess[] = [];
  env: Record<string, string> = {};

  /** `users`: the people xAssist knows (the harness's unless given). */
  constructor(name: string, users = SIMULATOR_USERS) {
    this.dir = mkdtempSync(join(tmpdir(), `broker-${name}-`));
    this.simulator = new XAssistSimulator({
      domainTag: 'acme',
      credentials: { username: 'connector', password: XASSIST_PASSWORD },
      users,
    });
  }

  /** Builds dist/ if stale, starts the simulator, writes the directory file (harness people unless given). */
  async setUp(
    options: { people?: unknown[]; queues?: unknown[]; env?: Record<string, string> } = {},
  ): Promise<void> {
    buildIfStale();
    const directoryFile = join(this.dir, 'people.json');
    const people = options.people ?? PEOPLE;
    writeFileSync(directoryFile, JSON.stringify({ people, queues: options.queues }));
    this.env = {
      BROKER_MODE: 'production',
      PORT: '0',
      XASSIST_BASE_URL: await this.simulator.listen(),
      XASSIST_USERNAME: 'connector',
      XASSIST_PASSWORD,
      XASSIST_DOMAIN: 'acme',
      AUTH_JWT_SECRET: SECRET,
      DIRECTORY_FILE: directoryFile,
      DATABASE_URL: `sqlite:${join(this.dir, 'broker.db')}`,
      DATA_ENCRYPTION_KEYS: TEST_DATA_KEYS,
      ...options.env,
    };
  }

  /** Starts one more broker process on the same database; resolves once it listens. */
  async start(): Promise<{ run: BrokerProcess; url: string }> {
    const run = BrokerProcess.node(MAIN, this.dir, this.env);
    this.runs.push(run);
    const listening = await run.line(/expert call broker listening/);
    return { run, url: (JSON.parse(listening).url as string).replace('localhost', '127.0.0.1') };
  }

  async tearDown(): Promise<void> {
    for (const run of this.runs) await run.stop('SIGKILL');
    await this.simulator.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  token(personId: string): string {
    return issueToken(personId, 600, SECRET);
  }

  /** A REST call as `as`; a connection the broker dropped (killed mid-request) is `status: 0`. */
  async api(
    url: string,
    method: string,
    path: string,
    as: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ProcessAnswer> {
    try {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${issueToken(as, 600, SECRET)}`,
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      return { status: response.status, body: await response.json(), headers: response.headers };
    } catch {
      return { status: 0, body: undefined };
    }
  }
}
