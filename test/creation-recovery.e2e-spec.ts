import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { issueToken } from '../src/auth/jwt.js';
import { XAssistSimulator } from '../src/simulator/xassist-simulator.js';
import {
  PEOPLE,
  SECRET,
  SIMULATOR_USERS,
  waitFor,
  XASSIST_PASSWORD,
} from './support/broker-harness.js';
import { BrokerProcess, buildIfStale, REPO } from './support/broker-process.js';
import { RecordingClient } from './support/socket-client.js';

const MAIN = join(REPO, 'dist', 'main.js');
const BODY = { expertIds: ['erika'], title: 'Pump 7 vibration' };
const KEY = 'kill-9-during-creation';

/** POST /v1/calls as tom with the Idempotency-Key; a dropped connection is `status: 0`. */
async function createCall(url: string): Promise<{ status: number; body: any; headers?: Headers }> {
  try {
    const response = await fetch(`${url}/v1/calls`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${issueToken('tom', 600, SECRET)}`,
        'content-type': 'application/json',
        'idempotency-key': KEY,
      },
      body: JSON.stringify(BODY),
    });
    return { status: response.status, body: await response.json(), headers: response.headers };
  } catch {
    return { status: 0, body: undefined };
  }
}

describe('kill -9 while xAssist creates the call (issue 9, finding 3)', () => {
  jest.setTimeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'broker-kill9-'));
  const simulator = new XAssistSimulator({
    domainTag: 'acme',
    credentials: { username: 'connector', password: XASSIST_PASSWORD },
    users: SIMULATOR_USERS,
  });
  const runs: BrokerProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    buildIfStale();
    const directoryFile = join(dir, 'people.json');
    writeFileSync(directoryFile, JSON.stringify({ people: PEOPLE }));
    env = {
      BROKER_MODE: 'production',
      PORT: '0',
      XASSIST_BASE_URL: await simulator.listen(),
      XASSIST_USERNAME: 'connector',
      XASSIST_PASSWORD,
      XASSIST_DOMAIN: 'acme',
      AUTH_JWT_SECRET: SECRET,
      DIRECTORY_FILE: directoryFile,
      DATABASE_URL: `sqlite:${join(dir, 'broker.db')}`,
      // A creation can take 2 x (1500 + 500) ms: older `creating` calls are orphans.
      XASSIST_REQUEST_TIMEOUT_MS: '1500',
      XASSIST_CONNECT_TIMEOUT_MS: '500',
      POLL_INTERVAL_RINGING_MS: '100',
    };
  });

  afterAll(async () => {
    for (const run of runs) await run.stop('SIGKILL');
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startBroker(): Promise<{ run: BrokerProcess; url: string }> {
    const run = BrokerProcess.node(MAIN, dir, env);
    runs.push(run);
    const listening = await run.line(/expert call broker listening/);
    const url = (JSON.parse(listening).url as string).replace('localhost', '127.0.0.1');
    return { run, url };
  }

  it('adopts the orphan after the restart: the same key answers it, the invite reaches the glasses, one xAssist call', async () => {
    const first = await startBroker();
    // xAssist creates the call, but its answer never comes back: the broker is killed meanwhile.
    simulator.injectFault({
      kind: 'lost-answer',
      count: 1,
      path: 'rtc/createCall',
      delayMs: 60_000,
    });
    const lost = createCall(first.url);
    const made = await waitFor(
      async () => simulator.state.listCalls(),
      (calls) => calls.length === 1,
      15_000,
    );
    expect(made).toHaveLength(1);
    await first.run.stop('SIGKILL');
    expect((await lost).status).toBe(0);

    const second = await startBroker();
    const glasses = await RecordingClient.connect(second.url, issueToken('tom', 600, SECRET));
    try {
      // The retry resumes the request: it waits out the creation deadline, then adopts.
      const retried = await createCall(second.url);
      expect(retried.status).toBe(201);
      expect(retried.headers?.get('idempotent-replayed')).toBe('true');
      expect(retried.body).toMatchObject({
        status: 'ringing',
        xassistCallId: made[0].callId,
        title: BODY.title,
      });
      expect(second.run.output).toContain('adopted the xAssist call an interrupted creation made');

      simulator.state.join(made[0].callId, 'erika');
      const invite = await glasses.next(
        'call.invite',
        (payload) => payload.call.id === retried.body.id,
        10_000,
      );
      expect(invite).toMatchObject({ xassistCallId: made[0].callId, expert: { id: 'erika' } });

      const again = await createCall(second.url);
      expect([again.status, again.body.id, again.body.status]).toEqual([
        201,
        retried.body.id,
        'expert_joined',
      ]);
      expect(simulator.state.listCalls()).toHaveLength(1);
      expect(simulator.state.createCallBodies).toHaveLength(1);
    } finally {
      glasses.close();
      await second.run.stop();
    }
  });
});
