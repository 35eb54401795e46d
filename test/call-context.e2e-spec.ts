import { BrokerHarness } from './support/broker-harness.js';
import { RecordingClient } from './support/socket-client.js';

const ask = { technicianId: 'tom', expertIds: ['erika'], title: 'Pump 7 vibration' };
const context = {
  description: 'Bearing noise since the last service.\nVibration 7 mm/s at the drive end.',
  externalRef: 'SAP-WO-4711',
  metadata: { site: 'Plant 3', asset: 'P-7', 'ticket.priority': 'high', costCenter: '' },
};

describe('context on a call: description, externalRef, metadata', () => {
  let sut: BrokerHarness;

  beforeAll(async () => {
    sut = await new BrokerHarness().start();
  });
  afterAll(async () => {
    await sut.stop();
  });

  it('is stored and returned by every read, over REST and the socket, across a restart', async () => {
    const created = await sut.api('POST', '/v1/calls', { as: 'erp', body: { ...ask, ...context } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(context);

    await sut.stopBroker();
    await sut.startBroker();

    const one = await sut.api('GET', `/v1/calls/${created.body.id}`, { as: 'tom' });
    expect(one.body).toMatchObject(context);
    const list = await sut.api('GET', '/v1/calls', { as: 'erika' });
    expect(list.body.calls.find((call: any) => call.id === created.body.id)).toMatchObject(context);

    const socket = await RecordingClient.connect(sut.url, sut.token('tom'));
    try {
      const snapshot = await socket.next('calls.snapshot');
      expect(snapshot.calls.find((call) => call.id === created.body.id)).toMatchObject(context);
    } finally {
      socket.close();
    }
  });

  it('is null, null and {} when the caller gives none', async () => {
    const { body } = await sut.api('POST', '/v1/calls', { as: 'erp', body: ask });
    expect(body).toMatchObject({ description: null, externalRef: null, metadata: {} });
  });

  it('finds calls by externalRef, within what the caller may see', async () => {
    const ref = `TICKET-${Date.now()}`;
    const tomsCall = await sut.api('POST', '/v1/calls', {
      as: 'erp',
      body: { ...ask, externalRef: ref },
    });
    const tinasCall = await sut.api('POST', '/v1/calls', {
      as: 'erp',
      body: { ...ask, technicianId: 'tina', externalRef: ref },
    });
    await sut.api('POST', '/v1/calls', { as: 'erp', body: { ...ask, externalRef: `${ref}-2` } });

    const ids = async (as: string, query: string) =>
      (await sut.api('GET', `/v1/calls?${query}`, { as })).body.calls.map((call: any) => call.id);
    expect(await ids('erp', `externalRef=${ref}`)).toEqual([tinasCall.body.id, tomsCall.body.id]);
    expect(await ids('tom', `externalRef=${ref}`)).toEqual([tomsCall.body.id]);

    await sut.api('POST', `/v1/calls/${tomsCall.body.id}/cancel`, { as: 'erp' });
    expect(await ids('erp', `externalRef=${ref}`)).toEqual([tinasCall.body.id]);
    expect(await ids('erp', `externalRef=${ref}&status=all`)).toEqual([
      tinasCall.body.id,
      tomsCall.body.id,
    ]);
    expect(await ids('erp', `externalRef=${encodeURIComponent('a/b#c?')}`)).toEqual([]);

    const bad = await sut.api('GET', '/v1/calls?externalRef=has%20space', { as: 'erp' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/externalRef must be 1 to 200 visible ASCII characters/);
  });

  it('searches calls (q) by title, externalRef and technician name, within what the caller may see', async () => {
    const tag = `${Date.now()}`;
    const byRef = await sut.api('POST', '/v1/calls', {
      as: 'erp',
      body: { ...ask, externalRef: `SAP-WO_${tag}` },
    });
    const byTitle = await sut.api('POST', '/v1/calls', {
      as: 'erp',
      body: { ...ask, technicianId: 'tina', title: `Compressor ${tag} leak` },
    });
    const found = async (as: string, q: string, window = '') =>
      (
        await sut.api('GET', `/v1/calls?status=all&q=${encodeURIComponent(q)}${window}`, { as })
      ).body.calls
        .map((call: any) => call.id)
        .filter((id: string) => [byRef.body.id, byTitle.body.id].includes(id));
    expect(await found('erp', `wo_${tag}`)).toEqual([byRef.body.id]);
    expect(await found('erp', `${tag} LEAK`)).toEqual([byTitle.body.id]);
    expect(await found('erp', 'tina techn')).toEqual([byTitle.body.id]);
    expect(await found('tom', `${tag} leak`)).toEqual([]);
    expect(await found('erp', `wo%${tag}`)).toEqual([]);

    const tooLong = await sut.api('GET', `/v1/calls?q=${'x'.repeat(101)}`, { as: 'erp' });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.message).toMatch(/q must be 1 to 100 characters/);
    const blank = await sut.api('GET', '/v1/calls?q=%20%20', { as: 'erp' });
    expect(blank.status).toBe(400);

    // Issue 22: the search is bounded in time; from/to must be instants, in order.
    const bounds: Array<[string, RegExp]> = [
      ['q=pump&from=yesterday', /from must be an ISO-8601 date or date-time with a time zone/],
      ['q=pump&to=2026-12-01T10:00', /to must be an ISO-8601 date or date-time with a time zone/],
      ['q=pump&from=2026-02-30', /from must be an ISO-8601 date/],
      ['q=pump&from=2026-12-02&to=2026-12-01', /from must be before to/],
      ['q=pump&from=2020-01-01&to=2026-01-01', /at most 366 days/],
    ];
    for (const [query, message] of bounds) {
      const refused = await sut.api('GET', `/v1/calls?${query}`, { as: 'erp' });
      expect([query, refused.status, refused.body.message]).toEqual([
        query,
        400,
        expect.stringMatching(message),
      ]);
    }
    const hourAgo = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    expect(await found('erp', `wo_${tag}`, `&from=${hourAgo}`)).toEqual([byRef.body.id]);
    expect(await found('erp', `wo_${tag}`, `&to=${hourAgo}`)).toEqual([]);
  });

  const tooManyKeys = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']));
  const tooManyBytes = Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [`k${i}`, 'x'.repeat(450)]),
  );
  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a description over 2,000 characters',
      { description: 'x'.repeat(2001) },
      /description must be shorter than or equal to 2000 characters/,
    ],
    [
      'a NUL in the description',
      { description: 'pump\u0000 7' },
      /description must not contain control characters \(U\+0000\)/,
    ],
    [
      'an escape character in the description',
      { description: 'pump \u001b[31m7' },
      /description must not contain control characters \(U\+001B\)/,
    ],
    [
      'a bidi override in the description',
      { description: 'pump \u202e7' },
      /description must not contain bidirectional controls \(U\+202E\)/,
    ],
    ['a blank description', { description: ' \n ' }, /description must not be blank/],
    ['a number as description', { description: 7 }, /description must be a string/],
    [
      'an externalRef with a space',
      { externalRef: 'WO 4711' },
      /externalRef must be 1 to 200 visible ASCII characters without spaces/,
    ],
    ['an empty externalRef', { externalRef: '' }, /externalRef must be 1 to 200/],
    [
      'an externalRef of 201 characters',
      { externalRef: 'x'.repeat(201) },
      /externalRef must be 1 to 200/,
    ],
    ['metadata as an array', { metadata: ['a'] }, /metadata must be an object of string values/],
    ['a number in metadata', { metadata: { count: 3 } }, /metadata\.count must be a string/],
    [
      'an object in metadata',
      { metadata: { nested: { a: 'b' } } },
      /metadata\.nested must be a string/,
    ],
    ['33 metadata keys', { metadata: tooManyKeys }, /metadata may have at most 32 keys, got 33/],
    [
      'a metadata key with a space',
      { metadata: { 'two words': 'x' } },
      /metadata key "two words" must be 1 to 64 letters/,
    ],
    [
      'a metadata value of 501 characters',
      { metadata: { a: 'x'.repeat(501) } },
      /metadata\.a must be at most 500 characters/,
    ],
    [
      'a line break in a metadata value',
      { metadata: { a: 'x\ny' } },
      /metadata\.a must not contain control characters \(U\+000A\)/,
    ],
    [
      'metadata over 4 KiB',
      { metadata: tooManyBytes },
      /metadata must be at most 4096 bytes as JSON/,
    ],
  ])('refuses %s with a 400 that names it', async (_name, extra, message) => {
    const before = sut.simulator.state.listCalls().length;
    const answer = await sut.api('POST', '/v1/calls', { as: 'erp', body: { ...ask, ...extra } });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(message);
    expect(sut.simulator.state.listCalls().length).toBe(before);
  });

  it('counts the context in the Idempotency-Key body: different metadata is a 422, reordered keys a replay', async () => {
    const key = `ctx-${Date.now()}`;
    const headers = { 'idempotency-key': key };
    const first = await sut.api('POST', '/v1/calls', {
      as: 'erp',
      headers,
      body: { ...ask, metadata: { site: 'Plant 3', asset: 'P-7' } },
    });
    expect(first.status).toBe(201);

    const reordered = await sut.api('POST', '/v1/calls', {
      as: 'erp',
      headers,
      body: { metadata: { asset: 'P-7', site: 'Plant 3' }, ...ask },
    });
    expect(reordered.status).toBe(201);
    expect(reordered.headers.get('idempotent-replayed')).toBe('true');
    expect(reordered.body.id).toBe(first.body.id);

    for (const changed of [
      { metadata: { site: 'Plant 4', asset: 'P-7' } },
      { metadata: { site: 'Plant 3', asset: 'P-7' }, description: 'more' },
      { metadata: { site: 'Plant 3', asset: 'P-7' }, externalRef: 'WO-1' },
    ]) {
      const answer = await sut.api('POST', '/v1/calls', {
        as: 'erp',
        headers,
        body: { ...ask, ...changed },
      });
      expect(answer.status).toBe(422);
      expect(answer.body.message).toMatch(/already used with a different body/);
    }
  });
});
