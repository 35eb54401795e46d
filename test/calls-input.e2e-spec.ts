import { BrokerHarness } from './support/broker-harness.js';

const ask = { expertIds: ['erika'], title: 'Pump 7 vibration' };

describe('calls: bad input, authentication, visibility, idempotency', () => {
  let sut: BrokerHarness;

  beforeAll(async () => {
    sut = await new BrokerHarness().start();
  });
  afterAll(async () => {
    expect(sut.secretsInLogs()).toEqual([]);
    await sut.stop();
  });

  describe('bad input answers 4xx with a message and never reaches xAssist', () => {
    const cases: Array<
      [string, { body?: unknown; raw?: string; headers?: Record<string, string> }, number, RegExp]
    > = [
      ['malformed JSON', { raw: '{"expertIds": ["erika"], "title": ' }, 400, /^malformed JSON/],
      ['a JSON array', { raw: '[1, 2]' }, 400, /the body must be a JSON object/],
      ['a wrong type', { body: { ...ask, expertIds: 'erika' } }, 400, /expertIds must be an array/],
      [
        'a wrong enum',
        { body: { ...ask, reason: 'URGENT' } },
        400,
        /reason must be one of the following values: STANDARD, SERVICE_REQUEST/,
      ],
      ['a number as title', { body: { ...ask, title: 7 } }, 400, /title must be a string/],
      [
        'an unknown field',
        { body: { ...ask, urgency: 'high' } },
        400,
        /property urgency should not exist/,
      ],
      [
        'a __proto__ key',
        { raw: '{"expertIds":["erika"],"title":"x","__proto__":{"admin":true}}' },
        400,
        /"__proto__" is not allowed/,
      ],
      [
        'a nested constructor key',
        { raw: '{"expertIds":["erika"],"title":"x","technicianId":{"constructor":{}}}' },
        400,
        /"constructor" is not allowed/,
      ],
      ['no experts', { body: { ...ask, expertIds: [] } }, 400, /expertIds should not be empty/],
      [
        'the same expert twice',
        { body: { ...ask, expertIds: ['erika', 'erika'] } },
        400,
        /elements must be unique/,
      ],
      [
        'an unknown expert',
        { body: { ...ask, expertIds: ['nobody'] } },
        422,
        /expertIds: "nobody" is not in the directory/,
      ],
      [
        'a technician as expert',
        { body: { ...ask, expertIds: ['tina'] } },
        422,
        /expertIds: "tina" is not a expert/,
      ],
      [
        'a body over 64 KiB',
        { body: { ...ask, title: 'x'.repeat(70_000) } },
        413,
        /larger than 64 KiB/,
      ],
      [
        'a bad Idempotency-Key',
        { body: ask, headers: { 'idempotency-key': 'x'.repeat(300) } },
        400,
        /Idempotency-Key must be/,
      ],
    ];

    it.each(cases)('%s', async (_name, request, status, message) => {
      const before = sut.simulator.requestCount('rtc/createCall');
      const answer = await sut.api('POST', '/v1/calls', { as: 'tom', ...request });
      expect(answer.status).toBe(status);
      expect(answer.body.message).toMatch(message);
      expect(sut.simulator.requestCount('rtc/createCall')).toBe(before);
    });

    it('asks for technicianId when no technician is calling', async () => {
      const answer = await sut.api('POST', '/v1/calls', { as: 'erp', body: ask });
      expect(answer.status).toBe(400);
      expect(answer.body.message).toMatch(/technicianId is required/);
      const unknown = await sut.api('POST', '/v1/calls', {
        as: 'erp',
        body: { ...ask, technicianId: 'ghost' },
      });
      expect(unknown.status).toBe(422);
      const expert = await sut.api('POST', '/v1/calls', {
        as: 'erp',
        body: { technicianId: 'erika', expertIds: ['ed'], title: 'x' },
      });
      expect(expert.status).toBe(422);
      expect(expert.body.message).toBe('technicianId: "erika" is not a technician');
      expect(sut.simulator.requestCount('rtc/createCall')).toBe(0);
    });

    it('refuses bad query values', async () => {
      expect((await sut.api('GET', '/v1/calls?limit=0', { as: 'sam' })).status).toBe(400);
      expect((await sut.api('GET', '/v1/calls?limit=abc', { as: 'sam' })).body.message).toMatch(
        /limit must be a whole number from 1 to 100/,
      );
      expect((await sut.api('GET', '/v1/calls?status=open', { as: 'sam' })).status).toBe(400);
      expect(
        (await sut.api('GET', '/v1/calls?cursor=garbage', { as: 'sam' })).body.message,
      ).toMatch(/cursor/);
      expect((await sut.api('GET', '/v1/calls?foo=1', { as: 'sam' })).status).toBe(400);
    });
  });

  describe('authentication', () => {
    it.each([
      ['no token', undefined, /a bearer token is required/],
      [
        'a bad signature',
        () => sut.token('tom', 600, 'another-secret-entirely'),
        /signature is invalid/,
      ],
      ['an expired token', () => sut.token('tom', -10), /expired/],
      ['an unknown person', () => sut.token('ghost'), /"ghost" is not in the directory/],
      ['garbage', () => 'not-a-jwt', /not a JWT/],
    ])('%s answers 401', async (_name, token, message) => {
      const answer = await sut.api('GET', '/v1/calls', {
        token: typeof token === 'function' ? token() : undefined,
      });
      expect(answer.status).toBe(401);
      expect(answer.body.message).toMatch(message);
    });

    it('a technician asking for someone else answers 403', async () => {
      const answer = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { ...ask, technicianId: 'tina' },
      });
      expect(answer.status).toBe(403);
      expect(sut.simulator.requestCount('rtc/createCall')).toBe(0);
    });

    it('leaves health, metrics and docs open', async () => {
      const badToken = sut.token('tom', 600, 'another-secret-entirely');
      for (const path of ['/healthz', '/readyz', '/metrics', '/docs']) {
        expect([path, (await sut.api('GET', path)).status]).toEqual([path, 200]);
        // Open means not authenticated at all: a token that would be refused changes nothing.
        expect([path, (await sut.api('GET', path, { token: badToken })).status]).toEqual([
          path,
          200,
        ]);
      }
      // ...while a route that is not open refuses the same tokenless request.
      expect((await sut.api('GET', '/v1/calls')).status).toBe(401);
    });
  });

  describe('visibility', () => {
    let callId: string;

    beforeAll(async () => {
      callId = (await sut.api('POST', '/v1/calls', { as: 'tom', body: ask })).body.id;
    });

    it.each([
      ['tom', 200],
      ['erika', 200],
      ['sam', 200],
      ['erp', 200],
      ['tina', 404],
      ['ed', 404],
    ])('%s gets %i', async (person, status) => {
      expect((await sut.api('GET', `/v1/calls/${callId}`, { as: person })).status).toBe(status);
      expect((await sut.api('GET', `/v1/calls/${callId}/events`, { as: person })).status).toBe(
        status,
      );
      const listed = (await sut.api('GET', '/v1/calls?status=all', { as: person })).body.calls.map(
        (c: any) => c.id,
      );
      expect(listed.includes(callId)).toBe(status === 200);
    });

    it('does not let an outsider cancel, and says 404 for unknown calls', async () => {
      expect((await sut.api('POST', `/v1/calls/${callId}/cancel`, { as: 'tina' })).status).toBe(
        404,
      );
      const missing = await sut.api('GET', '/v1/calls/does-not-exist', { as: 'sam' });
      expect(missing.status).toBe(404);
      expect(missing.body.message).toMatch(/not found/);
    });
  });

  describe('Idempotency-Key', () => {
    it('gives concurrent duplicates the same call and creates exactly one on xAssist', async () => {
      const before = sut.simulator.requestCount('rtc/createCall');
      const headers = { 'idempotency-key': 'ticket-4711' };
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          sut.api('POST', '/v1/calls', {
            as: 'erp',
            body: { ...ask, technicianId: 'tom' },
            headers,
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(
        9,
      );
      expect(sut.simulator.requestCount('rtc/createCall')).toBe(before + 1);

      const later = await sut.api('POST', '/v1/calls', {
        as: 'erp',
        body: { technicianId: 'tom', title: ask.title, expertIds: ['erika'] },
        headers,
      });
      expect(later.body.id).toBe(answers[0].body.id);
      expect(sut.simulator.requestCount('rtc/createCall')).toBe(before + 1);
    });

    it('answers 422 for the same key with another body', async () => {
      const headers = { 'idempotency-key': 'ticket-4712' };
      expect(
        (
          await sut.api('POST', '/v1/calls', {
            as: 'erp',
            body: { ...ask, technicianId: 'tom' },
            headers,
          })
        ).status,
      ).toBe(201);
      const other = await sut.api('POST', '/v1/calls', {
        as: 'erp',
        body: { ...ask, technicianId: 'tina' },
        headers,
      });
      expect(other.status).toBe(422);
      expect(other.body.message).toMatch(/different body/);
    });

    it('scopes keys to the caller', async () => {
      const headers = { 'idempotency-key': 'shared-key' };
      const a = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask, headers });
      const b = await sut.api('POST', '/v1/calls', {
        as: 'erp',
        body: { ...ask, technicianId: 'tom' },
        headers,
      });
      expect(a.body.id).not.toBe(b.body.id);
    });
  });
});
