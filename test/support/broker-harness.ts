import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { issueToken } from '../../src/auth/jwt.js';
import { createBrokerApp } from '../../src/bootstrap.js';
import { CallTracker } from '../../src/calls/call-tracker.service.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { parseDirectory } from '../../src/directory/directory-file.js';
import { xassistContactOf } from '../../src/directory/person.js';
import { OutboxDispatcher } from '../../src/outbox/outbox-dispatcher.service.js';
import { EventBus } from '../../src/events/event-bus.js';
import { QueueDispatcher } from '../../src/routing/queue-dispatcher.service.js';
import { XAssistSimulator, type SimulatorOptions } from '../../src/simulator/xassist-simulator.js';
import { capturedLogger } from './log-capture.js';
import { PEOPLE } from './people.js';
import type { TestDatabase } from './environment.js';

export const SECRET = 'e2e-secret-0123456789abcdef-0123456789';
export const XASSIST_PASSWORD = 'xassist-secret-password-for-e2e';
/** DATA_ENCRYPTION_KEYS of the suites' production-mode brokers (webhook secrets are sealed). */
export const TEST_DATA_KEYS = `test:${Buffer.alloc(32, 'test-data-key').toString('base64')}`;

export { PEOPLE };

/** The xAssist users the simulator knows: those of the directory's people. */
const simulatorUsersOf = (people: unknown[]) =>
  parseDirectory({ people }).flatMap((person) => xassistContactOf(person) ?? []);

export const SIMULATOR_USERS = simulatorUsersOf(PEOPLE);

export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  simulator?: SimulatorOptions;
  /** Show what demo mode shows (the dashboard's demo button) while still using the harness's own simulator. */
  demoMode?: boolean;
  /** The directory file's people, PEOPLE by default; the simulator knows their xAssist users. */
  people?: unknown[];
  /** The directory file's "queues" (routing); none by default. */
  queues?: unknown[];
  /** Makes a fresh database (dropped by stop()); default a SQLite file in the harness's folder. */
  database?: () => Promise<TestDatabase>;
  /**
   * Listen on a port chosen before start-up and give it as PUBLIC_URL, which production requires
   * with CHANNELS_FILE: the links of chat pages then point at this broker.
   */
  publicUrl?: boolean;
}

/** A port free right now on 127.0.0.1 (the OS's pick), for a broker told its own URL up front. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The broker on a random port and a temporary SQLite file, against the simulator over real HTTP. */
export class BrokerHarness {
  simulator!: XAssistSimulator;
  app?: INestApplication;
  config!: AppConfig;
  url = '';
  readonly log = capturedLogger('debug');
  private readonly dir = mkdtempSync(join(tmpdir(), 'broker-e2e-'));
  private database?: TestDatabase;

  constructor(private readonly options: HarnessOptions = {}) {}

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async start(): Promise<this> {
    this.simulator = new XAssistSimulator({
      domainTag: 'acme',
      credentials: { username: 'connector', password: XASSIST_PASSWORD },
      users: this.options.people ? simulatorUsersOf(this.options.people) : SIMULATOR_USERS,
      ...this.options.simulator,
    });
    const directoryFile = join(this.dir, 'people.json');
    writeFileSync(
      directoryFile,
      JSON.stringify({ people: this.options.people ?? PEOPLE, queues: this.options.queues }),
    );
    this.database = await this.options.database?.();
    const port = this.options.publicUrl ? await freePort() : 0;
    this.config = loadConfig({
      ...(port ? { PUBLIC_URL: `http://127.0.0.1:${port}` } : {}),
      XASSIST_BASE_URL: await this.simulator.listen(),
      XASSIST_USERNAME: 'connector',
      XASSIST_PASSWORD,
      XASSIST_DOMAIN: 'acme',
      AUTH_JWT_SECRET: SECRET,
      DIRECTORY_FILE: directoryFile,
      DATABASE_URL: this.database?.url ?? `sqlite:${join(this.dir, 'broker.db')}`,
      POLL_INTERVAL_RINGING_MS: '50',
      POLL_INTERVAL_CONNECTED_MS: '100',
      XASSIST_REQUEST_TIMEOUT_MS: '2000',
      XASSIST_BREAKER_HALF_OPEN_MS: '100',
      DATA_ENCRYPTION_KEYS: TEST_DATA_KEYS,
      ...this.options.env,
    });
    if (this.options.demoMode) this.config.demoMode = true;
    await this.startBroker(port);
    return this;
  }

  /** Starts (or restarts) the broker; give the old port to come back where clients expect it. */
  async startBroker(port = 0): Promise<void> {
    this.app = await createBrokerApp(this.config, this.log.logger);
    await this.app.listen(port, '127.0.0.1');
    this.url = (await this.app.getUrl()).replace('[::1]', '127.0.0.1');
  }

  async stopBroker(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }

  async stop(): Promise<void> {
    await this.stopBroker();
    await this.simulator.close();
    await this.database?.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  token(personId: string, expiresInSeconds = 600, secret = SECRET): string {
    return issueToken(personId, expiresInSeconds, secret);
  }

  async api<T = any>(
    method: string,
    path: string,
    options: {
      as?: string;
      token?: string;
      body?: unknown;
      raw?: string;
      headers?: Record<string, string>;
      /** Gives up (the fetch rejects) after this long: for tests that prove an answer never hangs. */
      timeoutMs?: number;
    } = {},
  ): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token ?? (options.as ? this.token(options.as) : undefined);
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const signal = options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined;
    const response = await fetch(`${this.url}${path}`, { method, headers, body, signal });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** The call as the broker shows it, once `predicate` holds (or the last one seen, after the time limit). */
  async waitForCall(id: string, predicate: (call: any) => boolean, timeoutMs = 5000): Promise<any> {
    return waitFor(
      async () => (await this.api('GET', `/v1/calls/${id}`, { as: 'sam' })).body,
      predicate,
      timeoutMs,
    );
  }

  /**
   * Waits for the work the broker has begun to be done: the routing rounds asked for, offer pages
   * being written, then an outbox round that found nothing due with no send under way. What comes
   * later by a timer (the tracker's next poll, a retry's backoff) is not waited for.
   */
  async settled(): Promise<void> {
    const app = this.app!;
    await app.get(QueueDispatcher).settled();
    await app.get(EventBus).idle();
    await app.get(OutboxDispatcher).idle();
  }

  /** Waits until no poll the tracker sent is still under way (CallTracker.idle). */
  async pollsSettled(): Promise<void> {
    await this.app!.get(CallTracker).idle();
  }

  /** Waits until the simulator has seen `count` more polls of an xAssist call, and the tracker has applied them. */
  async morePolls(xassistCallId: string, count: number, timeoutMs = 5000): Promise<void> {
    const polls = () => this.simulator.stats.pollsByCall[xassistCallId] ?? 0;
    const wanted = polls() + count;
    if (
      (await waitFor(
        async () => polls(),
        (seen) => seen >= wanted,
        timeoutMs,
      )) < wanted
    )
      throw new Error(`fewer than ${count} more polls of ${xassistCallId} within ${timeoutMs} ms`);
    await this.app!.get(CallTracker).idle();
  }

  /**
   * Waits while a fresh ringing call (tina's, for ed) is polled `polls` times, then cancels it: a
   * call the tracker still followed at the ringing rate would have been polled alongside it.
   */
  async whileAWitnessIsPolled(polls = 6): Promise<void> {
    const { status, body } = await this.api('POST', '/v1/calls', {
      as: 'erp',
      body: { technicianId: 'tina', expertIds: ['ed'], title: 'witness' },
    });
    if (status !== 201) throw new Error(`the witness call was refused: ${status}`);
    await this.morePolls(body.xassistCallId, polls);
    await this.api('POST', `/v1/calls/${body.id}/cancel`, { as: 'sam' });
  }

  /** The broker's poll attempts so far (broker_xassist_polls_total: answered or failed). */
  async pollsTried(): Promise<number> {
    const { body } = await this.api<string>('GET', '/metrics');
    return [...body.matchAll(/^broker_xassist_polls_total\{outcome="(?:ok|failed)"\} (\d+)$/gm)]
      .map((match) => Number(match[1]))
      .reduce((sum, value) => sum + value, 0);
  }

  /**
   * The access-log entry of one answered request, found by the id it echoed. Waited for: the
   * line is written when the server sees the response finish, which may follow the client's read.
   */
  async accessLine(requestId: string): Promise<any> {
    const isAccessLine = (line: string) => {
      const entry = JSON.parse(line);
      return entry.req?.id === requestId && entry.res !== undefined;
    };
    return JSON.parse(await this.log.line(isAccessLine));
  }

  /** Every line the broker logged; tests look for secrets here. */
  secretsInLogs(...others: string[]): string[] {
    const secrets = [XASSIST_PASSWORD, SECRET, ...this.simulator.state.issuedTokens, ...others];
    return this.log.lines.filter((line) => secrets.some((secret) => line.includes(secret)));
  }
}

export async function waitFor<T>(
  read: () => Promise<T>,
  predicate: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = await read();
  while (!predicate(value) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  return value;
}
