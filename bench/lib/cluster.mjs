/** A simulator and a broker (or the naive connector) as separate processes, and the driver's handles on them. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { startProcess, waitForHttp } from './processes.mjs';

// Every bench script starts the broker from dist/, and signs tokens with its code: build it
// first (a fresh clone has no dist/), then load it; a static import would run before the build.
execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
const { issueToken } = await import('../../dist/auth/jwt.js');

export const SECRET = 'bench-secret-0123456789abcdef-0123456789';
const SIM = { username: 'connector', password: 'bench-password', domain: 'bench' };
export const EXPERTS = 10;

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Technicians tech0..techN-1 (userDbId 1000+i), experts exp0..exp9 (userDbId 100+i), a supervisor,
 * the ERP; then whatever people and queues a scenario adds (routing's experts and queues).
 */
export function directory(technicians, extraPeople = [], queues = []) {
  const people = [];
  for (let i = 0; i < technicians; i++) {
    const userDbId = 1000 + i;
    people.push({
      id: `tech${i}`,
      displayName: `Technician ${i}`,
      roles: ['technician'],
      xassist: { userId: `user${userDbId}`, userDbId },
    });
  }
  for (let i = 0; i < EXPERTS; i++) {
    people.push({
      id: `exp${i}`,
      displayName: `Expert ${i}`,
      roles: ['expert'],
      xassist: { userId: `exp${i}`, userDbId: 100 + i },
    });
  }
  people.push(
    { id: 'sup', displayName: 'Supervisor', roles: ['supervisor'] },
    { id: 'erp', displayName: 'ERP', roles: ['integration'] },
    ...extraPeople,
  );
  return queues.length > 0 ? { people, queues } : { people };
}

export class Cluster {
  constructor({ technicians, brokerEnv = {}, withBroker = true, extraPeople = [], queues = [] }) {
    this.technicians = technicians;
    this.extraPeople = extraPeople;
    this.queues = queues;
    this.brokerEnv = brokerEnv;
    this.withBroker = withBroker;
    this.dir = mkdtempSync(join(tmpdir(), 'broker-bench-'));
  }

  async start() {
    const simPort = await freePort();
    this.simBase = `http://127.0.0.1:${simPort}/${SIM.domain}/`;
    this.simControl = `http://127.0.0.1:${simPort}/_sim/`;
    this.simulator = startProcess('simulator', 'dist/simulator/main.js', [
      '--port',
      String(simPort),
      '--domain',
      SIM.domain,
      '--username',
      SIM.username,
      '--password',
      SIM.password,
    ]);
    await waitForHttp(`${this.simControl}stats`);
    this.simPool = new Pool(`http://127.0.0.1:${simPort}`, { connections: 16 });
    if (!this.withBroker) return this;

    const directoryFile = join(this.dir, 'people.json');
    writeFileSync(
      directoryFile,
      JSON.stringify(directory(this.technicians, this.extraPeople, this.queues)),
    );
    this.brokerPort = await freePort();
    this.inspectPort = await freePort();
    this.brokerUrl = `http://127.0.0.1:${this.brokerPort}`;
    this.brokerProcessEnv = {
      PORT: String(this.brokerPort),
      XASSIST_BASE_URL: this.simBase,
      XASSIST_USERNAME: SIM.username,
      XASSIST_PASSWORD: SIM.password,
      XASSIST_DOMAIN: SIM.domain,
      AUTH_JWT_SECRET: SECRET,
      DIRECTORY_FILE: directoryFile,
      DATABASE_URL: `sqlite:${join(this.dir, 'broker.db')}`,
      EXPERT_ANSWER_TIMEOUT_MS: '3600000',
      TECHNICIAN_JOIN_TIMEOUT_MS: '3600000',
      LOG_LEVEL: 'warn',
      // Webhook signing secrets are only stored sealed: a bench key (never a real one).
      DATA_ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 'bench-data-key').toString('base64')}`,
      // The bench is one integration creating thousands of calls and one supervisor opening
      // thousands of sockets: far beyond the per-person quotas a real deployment keeps.
      QUOTA_CREATES_PER_MINUTE: '1000000',
      QUOTA_SOCKETS_PER_PERSON: '1000000',
      QUOTA_SOCKET_MESSAGES_PER_SECOND: '1000000',
      ...this.brokerEnv,
    };
    await this.startBroker();
    this.brokerPool = new Pool(this.brokerUrl, { connections: 32 });
    return this;
  }

  /** The broker alone (again): with --inspect, so the driver can force a GC before reading memory. */
  async startBroker() {
    this.broker = startProcess('broker', 'dist/main.js', [], this.brokerProcessEnv, [
      `--inspect=127.0.0.1:${this.inspectPort}`,
    ]);
    await waitForHttp(`${this.brokerUrl}/healthz`);
  }

  async restartBroker() {
    await this.broker.stop();
    await this.startBroker();
  }

  get simulatorCredentials() {
    return {
      SIM_URL: this.simBase,
      SIM_USERNAME: SIM.username,
      SIM_PASSWORD: SIM.password,
      SIM_DOMAIN: SIM.domain,
    };
  }

  /** A bearer token for talking to the simulator directly, as a connector would. */
  async simulatorToken() {
    const response = await this.simPool.request({
      method: 'POST',
      path: new URL('login', this.simBase).pathname,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...SIM, agreedToTos: true }),
    });
    const { token } = await response.body.json();
    return token;
  }

  token(personId) {
    return issueToken(personId, 3600, SECRET);
  }

  async brokerApi(method, path, body, as = 'erp') {
    const response = await this.brokerPool.request({
      method,
      path,
      headers: { authorization: `Bearer ${this.token(as)}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await response.body.json();
    if (response.statusCode >= 400)
      throw new Error(`${method} ${path}: ${response.statusCode} ${json.message}`);
    return json;
  }

  async control(method, path, body) {
    const response = await this.simPool.request({
      method,
      path: `/_sim/${path}`,
      headers: { 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await response.body.json();
    if (response.statusCode >= 400)
      throw new Error(`simulator ${path}: ${response.statusCode} ${json.message}`);
    return json;
  }

  /** Creates a call for technician `tech<i>` with expert `exp<i % 10>` through the broker's REST API. */
  createCall(i) {
    return this.brokerApi('POST', '/v1/calls', {
      technicianId: `tech${i}`,
      expertIds: [`exp${i % EXPERTS}`],
      title: `Bench call ${i}`,
    });
  }

  /**
   * Creates the call of technician `tech<i>` (userDbId 1000 + i) with expert `exp<i % 10>` at the
   * simulator itself, as a connector without the broker would; `token` from simulatorToken().
   * Resolves to xAssist's CallLog.
   */
  async createSimulatorCall(
    i,
    token,
    {
      title = `Naive ${i}`,
      expert = { userDbId: 100 + (i % EXPERTS), userId: `exp${i % EXPERTS}` },
    } = {},
  ) {
    const response = await this.simPool.request({
      method: 'POST',
      path: new URL('rtc/createCall', this.simBase).pathname,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        callTitle: title,
        callReason: 'STANDARD',
        callType: 'MESH',
        invitedTeams: [],
        joinAnonymousAllowed: false,
        informOthersDirectly: true,
        creatorUser: 1000 + i,
        plannedDateTime: null,
        invitedContacts: [
          { displayName: 'E', domain: 'bench', email: '', phoneNumber: '', ...expert },
        ],
      }),
    });
    const log = await response.body.json();
    if (response.statusCode >= 400) throw new Error(`createCall: ${response.statusCode}`);
    return log;
  }

  /** The simulator records a Join; returns the time it recorded it (ms since epoch). */
  async join(xassistCallId, userId) {
    const event = await this.control('POST', `calls/${xassistCallId}/join`, { userId });
    return Date.parse(event.time);
  }

  async stop() {
    await this.brokerPool?.close();
    await this.simPool?.close();
    await this.broker?.stop();
    await this.simulator?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs `job` over `items` with at most `limit` at once. */
export async function inParallel(items, limit, job) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await job(items[index], index);
      }
    }),
  );
  return results;
}
