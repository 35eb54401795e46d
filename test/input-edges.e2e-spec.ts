import { sql, type Kysely } from 'kysely';
import { DATABASE } from '../src/database/database.module.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { BrokerHarness } from './support/broker-harness.js';
import { RecordingClient } from './support/socket-client.js';
import { brokerDatabases } from './support/environment.js';

const ask = { expertIds: ['erika'], title: 'Pump 7 vibration' };
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** What the integer columns (seq) hold: PostgreSQL's `integer`. */
const INT_MAX = 2 ** 31 - 1;

/**
 * The same hostile input on both databases: what SQLite shrugs off, PostgreSQL refuses with an
 * error (NUL in text, integers beyond its columns), which used to come back as a 500.
 */
describe.each(await brokerDatabases('input at the edge'))(
  'input at the edge on $name',
  ({ create }) => {
    let sut: BrokerHarness;
    let callId: string;
    let client: RecordingClient;
    const subscribe = (payload: unknown): Promise<any> =>
      (client.socket as any).emitWithAck('call.subscribe', payload);

    beforeAll(async () => {
      sut = await new BrokerHarness({ database: create }).start();
      callId = (await sut.api('POST', '/v1/calls', { as: 'tom', body: ask })).body.id;
      client = await RecordingClient.connect(sut.url, sut.token('sam'));
    });
    afterAll(async () => {
      client?.close();
      expect(sut.secretsInLogs()).toEqual([]);
      await sut.stop();
    });

    describe('a title xAssist would receive verbatim', () => {
      it.each([
        ['a NUL character', 'Pump\u00007', /title must not contain control characters \(U\+0000\)/],
        [
          'an escape sequence',
          'Pump \u001b[31m7',
          /title must not contain control characters \(U\+001B\)/,
        ],
        ['a line break', 'Pump\r\n7', /title must not contain control characters \(U\+000D\)/],
        ['a C1 control', 'Pump\u00857', /title must not contain control characters \(U\+0085\)/],
        [
          'a bidi override',
          'Pump \u202e7 pmuP',
          /title must not contain bidirectional controls \(U\+202E\)/,
        ],
        [
          'a bidi isolate',
          'Pump \u20667',
          /title must not contain bidirectional controls \(U\+2066\)/,
        ],
        ['spaces only', '    ', /title must not be blank/],
        ['invisible characters only', ' \u200b\u3000 ', /title must not be blank/],
      ])('%s is refused with 400 and never reaches xAssist', async (_name, title, message) => {
        const before = sut.simulator.requestCount('rtc/createCall');
        const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: { ...ask, title } });
        expect(answer.status).toBe(400);
        expect(answer.body.message).toMatch(message);
        expect(sut.simulator.requestCount('rtc/createCall')).toBe(before);
      });

      // A lone surrogate has no UTF-8 form: SQLite and PostgreSQL each stored another mangling.
      it.each([
        [
          'title',
          { title: 'a\ud800b' },
          /title must not contain unpaired UTF-16 surrogates \(U\+D800\)/,
        ],
        [
          'description',
          { description: 'line\n\udc00' },
          /description must not contain unpaired UTF-16 surrogates \(U\+DC00\)/,
        ],
        [
          'metadata',
          { metadata: { order: 'x\ud83d' } },
          /metadata\.order must not contain unpaired UTF-16 surrogates \(U\+D83D\)/,
        ],
      ])('a lone surrogate in the %s is refused with 400', async (_field, fields, message) => {
        const before = sut.simulator.requestCount('rtc/createCall');
        const answer = await sut.api('POST', '/v1/calls', {
          as: 'tom',
          body: { ...ask, ...fields },
        });
        expect(answer.status).toBe(400);
        expect(answer.body.message).toMatch(message);
        expect(sut.simulator.requestCount('rtc/createCall')).toBe(before);
      });

      it('keeps ordinary text, accents, emoji and right-to-left script', async () => {
        const title = '  Pumpe 7 – Vibration ünter Last 🔧 مضخة  ';
        const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: { ...ask, title } });
        expect(answer.status).toBe(201);
        expect(answer.body.title).toBe(title.trim());
      });

      it.each([
        ['technicianId', { ...ask, technicianId: 'tom\u0000' }, /technicianId must be 1 to 128/],
        [
          'expertIds',
          { ...ask, expertIds: ['eri\u0000ka'] },
          /each value in expertIds must be 1 to 128/,
        ],
      ])('refuses a NUL in %s with 400', async (_name, body, message) => {
        const answer = await sut.api('POST', '/v1/calls', { as: 'erp', body });
        expect(answer.status).toBe(400);
        expect(answer.body.message).toMatch(message);
      });
    });

    describe('path ids, cursors and whole numbers', () => {
      it.each([
        ['GET', '/v1/calls/a%00b'],
        ['GET', '/v1/calls/a%00b/events'],
        ['POST', '/v1/calls/a%00b/cancel'],
        ['GET', '/v1/calls/%1B%5B2J'],
        ['GET', `/v1/calls/${'x'.repeat(65)}`],
      ])('%s %s answers 400 naming the id', async (method, path) => {
        const answer = await sut.api(method, path, { as: 'sam' });
        expect(answer.status).toBe(400);
        expect(answer.body.message).toMatch(/^id must be a call id/);
      });

      it.each([
        ['a NUL in the cursor text', 'abc%00def'],
        ['a NUL inside the decoded cursor', cursorOf(['2026-01-01T00:00:00.000Z\u0000', 'x'])],
        ['a NUL in the decoded id', cursorOf(['2026-01-01T00:00:00.000Z', 'a\u0000b'])],
        ['a decoded time that is not one', cursorOf(['yesterday', 'x'])],
      ])('%s answers 400', async (_name, cursor) => {
        const answer = await sut.api('GET', `/v1/calls?cursor=${cursor}`, { as: 'sam' });
        expect(answer.status).toBe(400);
        expect(answer.body.message).toMatch(/cursor/);
      });

      it('bounds afterSeq by what the seq column holds', async () => {
        const events = (afterSeq: string) =>
          sut.api('GET', `/v1/calls/${callId}/events?afterSeq=${afterSeq}`, { as: 'sam' });
        expect((await events(String(INT_MAX))).status).toBe(200);
        for (const tooBig of [String(INT_MAX + 1), '9007199254740991', '99999999999999999999']) {
          const answer = await events(tooBig);
          expect(answer.status).toBe(400);
          expect(answer.body.message).toMatch(
            `afterSeq must be a whole number from 0 to ${INT_MAX}`,
          );
        }
      });
    });

    describe('socket call.subscribe', () => {
      it.each([
        ['a NUL in callId', { callId: 'a\u0000b', afterSeq: 0 }, /callId must be a call id/],
        ['an escape in callId', { callId: '\u001b[2J', afterSeq: 0 }, /callId must be a call id/],
        [
          'afterSeq above 2^31-1',
          () => ({ callId, afterSeq: INT_MAX + 1 }),
          /afterSeq must not be greater than 2147483647/,
        ],
        [
          'afterSeq beyond safe integers',
          () => ({ callId, afterSeq: 1e300 }),
          /afterSeq must not be greater than 2147483647/,
        ],
      ])('%s is answered with a 400 error', async (_name, payload, message) => {
        const answer = await subscribe(typeof payload === 'function' ? payload() : payload);
        expect(answer.error.statusCode).toBe(400);
        expect(answer.error.message).toMatch(message);
        expect(client.socket.connected).toBe(true);
      });

      it('still answers the largest afterSeq the column holds', async () => {
        const answer = await subscribe({ callId, afterSeq: INT_MAX });
        expect(answer.call.id).toBe(callId);
        expect(answer.events).toEqual([]);
      });
    });

    it('answered no request with a 500 and logged no unexpected error', () => {
      expect(sut.log.lines.filter((line) => line.includes('"level":50'))).toEqual([]);
    });

    it('logs an unexpected error on a socket, and tells the client only that it was logged', async () => {
      const db = sut.app!.get<Kysely<BrokerDatabase>>(DATABASE);
      await sql`drop table call_events`.execute(db);
      const answer = await subscribe({ callId, afterSeq: 0 });
      expect(answer.error).toEqual({
        statusCode: 500,
        code: 'internal_error',
        message: 'internal error; it has been logged',
      });
      const logged = sut.log.lines.filter(
        (line) => line.includes('"level":50') && line.includes('call.subscribe'),
      );
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatch(/call_events/);
      expect(logged[0]).toMatch(/"personId":"sam"/);
    });

    it('logs an unexpected error on REST, and tells the client only that it was logged', async () => {
      const db = sut.app!.get<Kysely<BrokerDatabase>>(DATABASE);
      await sql`drop table if exists call_events`.execute(db);
      const answer = await sut.api('GET', `/v1/calls/${callId}/events`, { as: 'tom' });
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({
        statusCode: 500,
        error: 'Internal Server Error',
        code: 'internal_error',
        message: 'internal error; it has been logged',
      });
      const logged = sut.log.lines
        .filter((line) => line.includes('"level":50') && line.includes('/v1/calls/:id/events'))
        .map((line) => JSON.parse(line));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        msg: 'request failed unexpectedly',
        method: 'GET',
        route: '/v1/calls/:id/events',
      });
      expect(JSON.stringify(logged[0].err)).toMatch(/call_events/);
    });
  },
);
