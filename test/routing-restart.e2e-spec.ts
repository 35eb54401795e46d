import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { issueToken } from '../src/auth/jwt.js';
import { XAssistSimulator } from '../src/simulator/xassist-simulator.js';
import { PEOPLE, SECRET, SIMULATOR_USERS, XASSIST_PASSWORD } from './support/broker-harness.js';
import { BrokerProcess, buildIfStale, REPO } from './support/broker-process.js';
import { RecordingClient } from './support/socket-client.js';

const MAIN = join(REPO, 'dist', 'main.js');

async function call(url: string, method: string, path: string, as: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${issueToken(as, 600, SECRET)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('kill -9 while a request waits in its queue (issue 11)', () => {
  jest.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'broker-queued-kill9-'));
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
    const queues = [{ id: 'pumps', skills: ['pumps'], offerTimeoutSeconds: 120 }];
    writeFileSync(directoryFile, JSON.stringify({ people: PEOPLE, queues }));
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
      ROUTING_TICK_MS: '100',
    };
  });

  afterAll(async () => {
    for (const run of runs) await run.stop('SIGKILL');
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startBroker(): Promise<string> {
    const run = BrokerProcess.node(MAIN, dir, env);
    runs.push(run);
    const listening = await run.line(/expert call broker listening/);
    return (JSON.parse(listening).url as string).replace('localhost', '127.0.0.1');
  }

  it('keeps the request and its pending offer; the accept after the restart rings the glasses', async () => {
    const first = await startBroker();
    expect(
      (await call(first, 'PUT', '/v1/presence/me', 'erika', { status: 'available' })).status,
    ).toBe(200);
    const asked = await call(first, 'POST', '/v1/calls', 'tom', { queueId: 'pumps', title: 'P7' });
    expect(asked.body.status).toBe('queued');
    let pending: any[] = [];
    for (let i = 0; i < 100 && pending.length === 0; i++) {
      pending = (await call(first, 'GET', '/v1/offers', 'erika')).body.offers;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(pending).toHaveLength(1);
    await runs[0].stop('SIGKILL');

    const second = await startBroker();
    const stillQueued = await call(second, 'GET', `/v1/calls/${asked.body.id}`, 'sam');
    expect(stillQueued.body).toMatchObject({ status: 'queued', queue: { id: 'pumps' } });
    const erika = await RecordingClient.connect(second, issueToken('erika', 600, SECRET));
    const glasses = await RecordingClient.connect(second, issueToken('tom', 600, SECRET));
    try {
      // The pending offer survived, and is offered again to her new socket.
      const again = await erika.next('offer.created', (o) => o.offer.id === pending[0].offer.id);
      const accepted = await erika.socket.emitWithAck('offer.accept', { offerId: again.offer.id });
      expect(accepted).toMatchObject({ call: { status: 'ringing', acceptedBy: { id: 'erika' } } });
      const [xassistCall] = simulator.state.listCalls();
      simulator.state.join(xassistCall.callId, 'erika');
      const invite = await glasses.next('call.invite', (i) => i.call.id === asked.body.id, 10_000);
      expect(invite.expert).toEqual({ id: 'erika', displayName: 'Erika Expert' });
      expect(simulator.state.listCalls()).toHaveLength(1);
    } finally {
      erika.close();
      glasses.close();
    }
  });
});
