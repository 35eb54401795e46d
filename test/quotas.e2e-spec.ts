import type { INestApplication } from '@nestjs/common';
import { createBrokerApp } from '../src/bootstrap.js';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { RecordingClient, refusalError } from './support/socket-client.js';

const ask = { expertIds: ['erika'], title: 'Pump 7 vibration' };
const LIMITS = {
  QUOTA_ACTIVE_CALLS_PER_TECHNICIAN: '2',
  QUOTA_CREATES_PER_MINUTE: '5',
  QUOTA_SOCKETS_PER_PERSON: '2',
  QUOTA_SOCKET_MESSAGES_PER_SECOND: '3',
};

/**
 * Per-person limits with small values. Windows are fixed (a minute, a second), so a test that
 * happens to straddle a window's end may see up to twice the limit pass; the assertions allow it.
 */
describe.each(await brokerDatabases('quotas'))('quotas on $name', ({ create }) => {
  let sut: BrokerHarness;
  const clients: RecordingClient[] = [];
  const connect = async (person: string, url = sut.url) => {
    const client = await RecordingClient.connect(url, sut.token(person));
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    sut = await new BrokerHarness({ env: LIMITS, database: create }).start();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  it('caps the active calls of a technician: 429 with Retry-After, nothing sent to xAssist', async () => {
    const first = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    const second = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    expect([first.status, second.status]).toEqual([201, 201]);
    const before = sut.simulator.requestCount('rtc/createCall');

    const third = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('30');
    expect(third.body).toMatchObject({
      code: 'quota_exceeded',
      retryAfterSeconds: 30,
      message:
        'technician tom already has 2 active calls, the most allowed; end or cancel one first',
    });
    // Asked by someone else for tom: the cap is the technician's.
    const forTom = await sut.api('POST', '/v1/calls', {
      as: 'erp',
      body: { ...ask, technicianId: 'tom' },
    });
    expect(forTom.status).toBe(429);
    expect(sut.simulator.requestCount('rtc/createCall')).toBe(before);

    await sut.api('POST', `/v1/calls/${first.body.id}/cancel`, { as: 'tom' });
    expect((await sut.api('POST', '/v1/calls', { as: 'tom', body: ask })).status).toBe(201);
  });

  it('limits creates per minute per caller (refused ones count too)', async () => {
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<BrokerHarness['api']>> | undefined;
    while (!refused && statuses.length < 12) {
      const answer = await sut.api('POST', '/v1/calls', {
        as: 'sam',
        body: { ...ask, technicianId: 'tina' },
      });
      statuses.push(answer.status);
      if (answer.status === 429) refused = answer;
      else await sut.api('POST', `/v1/calls/${answer.body.id}/cancel`, { as: 'sam' });
    }
    expect(refused?.body).toMatchObject({
      code: 'quota_exceeded',
      message: 'sam sent more than 5 calls per minute; try again shortly',
    });
    const retryAfter = Number(refused?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const created = statuses.filter((status) => status === 201).length;
    expect(created).toBeGreaterThanOrEqual(5);
    expect(created).toBeLessThanOrEqual(10);
  });

  it('limits socket messages per second with a 429 acknowledgement', async () => {
    const sam = await connect('sam');
    const payload = { callId: 'no-such-call', afterSeq: 0 };
    const answers: any[] = await Promise.all(
      Array.from({ length: 12 }, () => sam.socket.emitWithAck('call.subscribe', payload)),
    );
    const limited = answers.filter((answer) => answer.error.statusCode === 429);
    expect(answers.length - limited.length).toBeLessThanOrEqual(6);
    expect(limited[0].error).toEqual({
      statusCode: 429,
      code: 'quota_exceeded',
      message: 'sam sent more than 3 socket messages per second; try again shortly',
      retryAfterSeconds: 1,
    });
    expect(sam.socket.connected).toBe(true);
    // The next second's window lets a message through again: asked until one is, within 2.5 s.
    const next = await waitFor(
      async () => ((await sam.socket.emitWithAck('call.subscribe', payload)) as any).error,
      (error) => error.statusCode !== 429,
      2500,
    );
    expect(next.statusCode).toBe(404);
  });

  it('limits open sockets per person, across instances sharing the database', async () => {
    const other: INestApplication = await createBrokerApp(sut.config, sut.log.logger);
    await other.listen(0, '127.0.0.1');
    const otherUrl = (await other.getUrl()).replace('[::1]', '127.0.0.1');
    try {
      const here = await connect('ed');
      await connect('ed', otherUrl);
      const refused = await refusalError(otherUrl, sut.token('ed'));
      expect(refused.message).toBe(
        'too many open sockets for ed (at most 2); close another connection first',
      );
      expect(refused.data).toMatchObject({ statusCode: 429, code: 'quota_exceeded' });
      expect((await refusalError(sut.url, sut.token('ed'))).data.code).toBe('quota_exceeded');
      await connect('tina'); // another person is not affected

      here.close();
      const again = await waitFor(
        () => refusalError(sut.url, sut.token('ed')).catch(() => undefined),
        (error) => error === undefined,
      );
      expect(again).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});

/**
 * Bursts at a cap, so that requests check it side by side: the count and the insert must be one
 * step per person (finding 6), or several see room for the last slot. Per-minute limits are high
 * here so that only the cap under test refuses.
 */
describe.each(await brokerDatabases('quota races'))('quota races on $name', ({ create }) => {
  const CAP = 3;
  const BURST = 12;
  let sut: BrokerHarness;
  const clients: RecordingClient[] = [];

  beforeAll(async () => {
    sut = await new BrokerHarness({
      env: {
        QUOTA_ACTIVE_CALLS_PER_TECHNICIAN: String(CAP),
        QUOTA_CREATES_PER_MINUTE: '1000',
        QUOTA_SOCKETS_PER_PERSON: String(CAP),
      },
      database: create,
    }).start();
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.close();
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  it('admits exactly the active-call cap from a burst of parallel creates; the rest get 429', async () => {
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, index) =>
        index % 2 === 0
          ? sut.api('POST', '/v1/calls', { as: 'tom', body: ask })
          : sut.api('POST', '/v1/calls', { as: 'erp', body: { ...ask, technicianId: 'tom' } }),
      ),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([
      ...Array<number>(CAP).fill(201),
      ...Array<number>(BURST - CAP).fill(429),
    ]);
    for (const refused of answers.filter((answer) => answer.status === 429))
      expect(refused.body.code).toBe('quota_exceeded');
    const active = await sut.api('GET', '/v1/calls?status=active&limit=100', { as: 'tom' });
    expect(active.body.calls).toHaveLength(CAP);
    expect(sut.simulator.requestCount('rtc/createCall')).toBe(CAP);
  });

  it('admits exactly the socket cap from a burst of parallel handshakes; the rest get 429', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: BURST }, () => {
        const client = new RecordingClient(sut.url, sut.token('ed'));
        clients.push(client);
        return new Promise<string | number>((resolve) => {
          client.socket.once('connect', () => resolve('connected'));
          client.socket.once('connect_error', (error: Error & { data?: any }) =>
            resolve(error.data?.statusCode),
          );
        });
      }),
    );
    expect(outcomes.sort()).toEqual([
      ...Array<number>(BURST - CAP).fill(429),
      ...Array<string>(CAP).fill('connected'),
    ]);
  });
});
