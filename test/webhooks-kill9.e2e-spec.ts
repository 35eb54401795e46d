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
import { WebhookReceiver } from './support/webhook-receiver.js';

const MAIN = join(REPO, 'dist', 'main.js');

describe('kill -9 of the broker while a webhook delivery is in flight', () => {
  jest.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'broker-webhook-kill9-'));
  const simulator = new XAssistSimulator({
    domainTag: 'acme',
    credentials: { username: 'connector', password: XASSIST_PASSWORD },
    users: SIMULATOR_USERS,
  });
  const runs: BrokerProcess[] = [];
  let receiver: WebhookReceiver;
  let env: Record<string, string>;

  beforeAll(async () => {
    buildIfStale();
    receiver = await new WebhookReceiver().start();
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
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_TIMEOUT_MS: '10000',
      OUTBOX_LEASE_MS: '2000',
      OUTBOX_POLL_INTERVAL_MS: '50',
    };
  });

  afterAll(async () => {
    for (const run of runs) await run.stop('SIGKILL');
    await simulator.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startBroker(): Promise<string> {
    const run = BrokerProcess.node(MAIN, dir, env);
    runs.push(run);
    const listening = await run.line(/expert call broker listening/);
    return (JSON.parse(listening).url as string).replace('localhost', '127.0.0.1');
  }

  const post = async (url: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${issueToken('erp', 600, SECRET)}`,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as any;
  };

  it('loses nothing: the next broker takes the lapsed claim over, each message arrives once, in order', async () => {
    const first = await startBroker();
    const hook = await post(first, '/v1/webhooks', {
      url: `${receiver.url}/hooks`,
      eventTypes: ['call.created', 'call.status_changed', 'call.ended'],
    });
    receiver.trust(hook.secret);
    // The first delivery hangs at the receiver, so the broker dies holding its claim.
    receiver.script({ kind: 'slow', delayMs: 5_000 });
    const call = await post(first, '/v1/calls', {
      technicianId: 'tom',
      expertIds: ['erika'],
      title: 'P7',
    });
    await post(first, `/v1/calls/${call.id}/cancel`);
    await waitFor(
      async () => receiver.received.length,
      (n) => n >= 1,
    );
    await runs[0].stop('SIGKILL');
    expect(receiver.ofCall(call.id)).toEqual([]);

    await startBroker();
    const hooks = await waitFor(
      async () => receiver.ofCall(call.id),
      (got) => got.length >= 4,
      15_000,
    );
    expect(hooks.map((h) => h.type)).toEqual([
      'call.created',
      'call.status_changed',
      'call.status_changed',
      'call.ended',
    ]);
    const seqs = hooks.map((h) => h.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs[0]).toBe(0);
    expect(receiver.refusedSignatures).toEqual([]);
  });
});
