import { jest } from '@jest/globals';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { describeIf, requirePostgres } from './support/environment.js';
import { RecordingClient } from './support/socket-client.js';
import { TcpProxy } from './support/tcp-proxy.js';

const BODY = { expertIds: ['erika'], title: 'Pump 7 vibration' };
const BLACKHOLE_MS = 20_000;

const postgres = await requirePostgres('the database heals');

interface Answer {
  what: string;
  status: number;
  body: any;
}

/**
 * The broker on PostgreSQL through a proxy the test controls (issue 18, item 2). Before: after a
 * blackhole /readyz, REST and sockets hung until a restart, and a refused connection answered
 * 500 internal_error.
 */
describeIf(postgres)('the database heals (issue 18, item 2)', () => {
  jest.setTimeout(180_000);
  let proxy: TcpProxy;
  let sut: BrokerHarness;
  let callId: string;
  let tom: RecordingClient;

  beforeEach(async () => {
    sut = await new BrokerHarness({
      database: async () => {
        const database = await postgres!.createDatabase();
        const { hostname, port } = new URL(database.url);
        proxy = await new TcpProxy({ host: hostname, port: Number(port || 5432) }).listen();
        return {
          url: proxy.through(database.url),
          drop: async () => {
            await proxy.close();
            await database.drop();
          },
        };
      },
    }).start();
    const created = await sut.api('POST', '/v1/calls', { as: 'tom', body: BODY });
    expect(created.status).toBe(201);
    callId = created.body.id;
    expect((await sut.api('GET', '/readyz')).status).toBe(200);
    tom = await RecordingClient.connect(sut.url, sut.token('tom'));
  });
  afterEach(async () => {
    tom.socket.close();
    await sut.stop();
  });

  /** One request; no answer within the broker's own request timeout counts as a hang. */
  async function ask(what: string, method: string, path: string, as?: string): Promise<Answer> {
    const timeoutMs = sut.config.http.requestTimeoutMs;
    const body = method === 'POST' ? BODY : undefined;
    try {
      const answer = await sut.api(method, path, { as, body, timeoutMs });
      return { what, status: answer.status, body: answer.body };
    } catch (error) {
      return { what, status: 0, body: `no answer within ${timeoutMs} ms (${String(error)})` };
    }
  }

  /** call.subscribe on a socket connected before; no acknowledgement in time counts as a hang. */
  async function subscribe(): Promise<Answer> {
    const timeoutMs = sut.config.http.requestTimeoutMs;
    try {
      const ack: any = await tom.socket
        .timeout(timeoutMs)
        .emitWithAck('call.subscribe', { callId, afterSeq: 0 });
      return { what: 'subscribe', status: ack.error?.statusCode ?? 200, body: ack.error ?? ack };
    } catch (error) {
      return { what: 'subscribe', status: 0, body: `no ack within ${timeoutMs} ms (${error})` };
    }
  }

  /** /readyz, a create and a read of a stored call over REST and a socket, at once. */
  function round(): Promise<Answer[]> {
    return Promise.all([
      ask('readyz', 'GET', '/readyz'),
      ask('create', 'POST', '/v1/calls', 'tom'),
      ask('read', 'GET', `/v1/calls/${callId}`, 'tom'),
      subscribe(),
    ]);
  }

  function expectRefusedAsStorage(answers: Answer[], storage: string[]): void {
    for (const answer of answers) {
      const shown = JSON.stringify(answer);
      expect([shown, answer.status]).toEqual([shown, 503]);
      if (answer.what === 'readyz') {
        expect(answer.body.error.database.status).toBe('down');
        continue;
      }
      expect(answer.body).toMatchObject({ code: 'storage_unavailable' });
      if (answer.what !== 'subscribe') expect(storage).toContain(answer.body.storage);
    }
  }

  /** Waits (no restart) until a create, a read and /readyz all work; the figure goes to stderr. */
  async function expectServingAgain(after: string): Promise<void> {
    const restoredAt = Date.now();
    const last = await waitFor(
      round,
      (answers) => answers.every((a) => a.status === (a.what === 'create' ? 201 : 200)),
      sut.config.http.requestTimeoutMs,
    );
    expect(last.map((a) => [a.what, a.status])).toEqual([
      ['readyz', 200],
      ['create', 201],
      ['read', 200],
      ['subscribe', 200],
    ]);
    const seconds = ((Date.now() - restoredAt) / 1000).toFixed(2);
    process.stderr.write(`the broker served again ${seconds} s after ${after}\n`);
  }

  function errorLines(pattern: RegExp): string[] {
    return sut.log.lines.filter((line) => pattern.test(line) && /"level":50/.test(line));
  }

  it('a 20 s blackhole answers 503 storage_unavailable and /readyz 503 within its deadline, then serves again without a restart', async () => {
    await proxy.blackhole();
    const until = Date.now() + BLACKHOLE_MS;
    const during: Answer[] = [];
    while (Date.now() < until) during.push(...(await round()));
    await proxy.forward();

    expectRefusedAsStorage(during, ['unreachable', 'timeout']);
    // The first check waits on a connection that will not answer: the probe's deadline answers.
    const readies = during.filter((a) => a.what === 'readyz');
    expect(readies[0].body.error.database.message).toMatch(/did not answer within \d+ ms/);
    for (const ready of readies)
      expect(ready.body.error.database.message).toMatch(/did not answer|cannot be reached/);
    await expectServingAgain('a 20 s blackhole');

    // One line when the streak began, one when it ended: not one per refused request or round.
    expect(
      errorLines(/"msg":"the database cannot be reached or does not answer in time/),
    ).toHaveLength(1);
    expect(errorLines(/DatabaseConnectionError/)).toHaveLength(1);
    expect(
      sut.log.lines.filter((line) => line.includes('the database answers again')),
    ).toHaveLength(1);
    expect(errorLines(/failed unexpectedly/)).toEqual([]);
  });

  it.each([
    ['refused', (p: TcpProxy) => p.refuse()],
    ['reset', (p: TcpProxy) => p.reset()],
  ])('%s connections answer 503 storage_unavailable (unreachable), never 500', async (how, cut) => {
    await cut(proxy);
    const during = [...(await round()), ...(await round())];
    await proxy.forward();

    expectRefusedAsStorage(during, ['unreachable']);
    await expectServingAgain(`connections were ${how}`);
    expect(errorLines(/failed unexpectedly/)).toEqual([]);
  });
});
