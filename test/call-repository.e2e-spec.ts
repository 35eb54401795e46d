import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { KyselyCallRepository } from '../src/calls/kysely-call.repository.js';
import type { CallEventRecord, CallRecord } from '../src/calls/call.model.js';
import { StaleCallError } from '../src/calls/call.repository.js';
import { migrateToLatest, openDatabase } from '../src/database/database.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { aCallRecord } from './support/call-records.js';
import { requirePostgres } from './support/environment.js';
import { participant, people } from './support/people.js';

/** The PostgreSQL server the machine runs (.ci/run starts it); each run gets a database of its own. */
const postgres = await requirePostgres('KyselyCallRepository on PostgreSQL');

/** A call as creation first stores it (status creating, no xAssist id yet), made now. */
function call(overrides: Partial<CallRecord> = {}): CallRecord {
  const at = new Date().toISOString();
  return aCallRecord({
    id: randomUUID(),
    xassistCallId: null,
    status: 'creating',
    title: 'Pump 7',
    callType: 'MESH',
    experts: [participant(people.erika)],
    seq: 0,
    createdAt: at,
    ringingAt: null,
    updatedAt: at,
    ...overrides,
  });
}

const event = (callId: string, seq: number, type: string): CallEventRecord => ({
  callId,
  seq,
  type,
  at: new Date().toISOString(),
  status: 'ringing',
  xassist: type.startsWith('xassist.')
    ? { id: seq, type: type.slice(8), nested: { ok: true } }
    : null,
});

interface Backend {
  name: string;
  open(): Promise<{ db: Kysely<BrokerDatabase>; close(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'repo-'));
      const { db } = openDatabase(`sqlite:${join(dir, 'nested', 'broker.db')}`);
      return {
        db,
        close: async () => (await db.destroy(), rmSync(dir, { recursive: true, force: true })),
      };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const database = await postgres!.createDatabase();
      const { db } = openDatabase(database.url);
      return { db, close: async () => (await db.destroy(), await database.drop()) };
    },
  },
];

describe.each(backends.filter((backend) => postgres || backend.name !== 'PostgreSQL'))(
  'KyselyCallRepository on $name',
  (backend) => {
    let sut: KyselyCallRepository;
    let close: () => Promise<void>;

    beforeAll(async () => {
      const opened = await backend.open();
      await migrateToLatest(opened.db);
      await migrateToLatest(opened.db); // idempotent at start-up
      sut = new KyselyCallRepository(opened.db);
      close = opened.close;
    });
    afterAll(async () => close?.());

    it('stores a call and reads it back whole', async () => {
      const created = call({ anonymousJoinAllowed: true });
      expect(await sut.insert(created, null)).toEqual({ kind: 'inserted', call: created });
      expect(await sut.find(created.id)).toEqual(created);
      expect(await sut.find('missing')).toBeUndefined();
    });

    it("keeps a call's context and finds calls by externalRef", async () => {
      const ref = `WO-${randomUUID()}`;
      const withContext = call({
        description: 'Bearing noise\nsince Monday ✓',
        externalRef: ref,
        metadata: { site: 'Plant 3', 'asset.id': 'P-7' },
      });
      await sut.insert(withContext, null);
      await sut.insert(call(), null);
      expect(await sut.find(withContext.id)).toEqual(withContext);
      const found = await sut.list({
        statuses: null,
        externalRef: ref,
        participantId: null,
        limit: 10,
        before: null,
      });
      expect(found).toEqual([withContext]);
    });

    it('searches title, externalRef and technician, case-insensitively, wildcards as plain characters', async () => {
      const tag = randomUUID().slice(0, 8);
      const pat = {
        id: `pat-${tag}`,
        displayName: 'Pat',
        xassistUserId: 'pat',
        xassistUserDbId: 30,
      };
      const byTitle = call({ title: `Pump 7 ${tag} BEARING` });
      const byRef = call({ externalRef: `SAP-WO_${tag}%1` });
      const byTechnician = call({ technician: pat });
      const lookalike = call({ title: `Pump 7 ${tag}x bearing`, externalRef: `SAP-WOx${tag}x1` });
      // Beyond ASCII, and with the escape character in it.
      const unicode = call({ title: `ÜBERDRUCK ${tag} !wichtig` });
      for (const c of [byTitle, byRef, byTechnician, lookalike, unicode]) await sut.insert(c, null);
      const find = async (text: string, technicianIds: string[] = []) =>
        (
          await sut.list({
            statuses: null,
            search: { text, technicianIds },
            participantId: null,
            limit: 10,
            before: null,
          })
        )
          .map((c) => c.id)
          .sort();
      expect(await find(`${tag} bearing`)).toEqual([byTitle.id]);
      // `_` and `%` are characters to find, not LIKE's wildcards (the lookalike has x there).
      expect(await find(`wo_${tag}%`)).toEqual([byRef.id]);
      expect(await find(`pat-${tag}`)).toEqual([byTechnician.id]);
      expect(await find('no such name', [pat.id])).toEqual([byTechnician.id]);
      expect(await find(`${tag}\\`)).toEqual([]);
      expect(await find(`ÜBERDRUCK ${tag}`)).toEqual([unicode.id]);
      expect(await find(`${tag} !wichtig`)).toEqual([unicode.id]);
      expect(await find(`${tag} !!wichtig`)).toEqual([]);
    });

    it('commits the row and its events atomically, guarded by seq', async () => {
      const created = call();
      await sut.insert(created, null);
      const ringing = { ...created, status: 'ringing' as const, seq: 2, xassistCallId: 'x-1' };
      await sut.commit(
        ringing,
        0,
        [event(created.id, 1, 'status.ringing'), event(created.id, 2, 'xassist.Created')],
        ['697'],
      );
      expect(await sut.find(created.id)).toEqual(ringing);
      expect((await sut.events(created.id, 0, 100)).map((e) => [e.seq, e.type])).toEqual([
        [1, 'status.ringing'],
        [2, 'xassist.Created'],
      ]);
      expect((await sut.events(created.id, 1, 100))[0].xassist).toEqual({
        id: 2,
        type: 'Created',
        nested: { ok: true },
      });
      expect(await sut.seenXAssistEventIds(created.id)).toEqual(new Set(['697']));

      await expect(
        sut.commit({ ...ringing, seq: 3 }, 0, [event(created.id, 3, 'status.x')], []),
      ).rejects.toThrow(StaleCallError);
      const outcome = await sut
        .commit({ ...ringing, seq: 3 }, 2, [event(created.id, 2, 'status.dup')], [])
        .then(
          () => 'committed',
          (error: Error) => error.message,
        );
      // The message, not `rejects.toThrow()`: errors from the native driver can come from another realm.
      expect(outcome).toMatch(/UNIQUE constraint failed|duplicate key value/);
      expect(await sut.find(created.id)).toEqual(ringing);
      expect(await sut.events(created.id, 2, 100)).toEqual([]);
    });

    it('claims an idempotency key once, also for concurrent inserts', async () => {
      const claim = {
        callerId: 'erp',
        key: randomUUID(),
        bodyHash: 'h1',
        notBefore: new Date(Date.now() - 1000).toISOString(),
      };
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, () => sut.insert(call(), claim)),
      );
      const inserted = outcomes.filter((o) => o.kind === 'inserted');
      expect(inserted).toHaveLength(1);
      const winner = inserted[0].kind === 'inserted' ? inserted[0].call.id : '';
      expect(
        outcomes
          .filter((o) => o.kind === 'existing')
          .every((o) => o.kind === 'existing' && o.callId === winner),
      ).toBe(true);

      const expired = { ...claim, notBefore: new Date(Date.now() + 1000).toISOString() };
      expect((await sut.insert(call(), expired)).kind).toBe('inserted');
    });

    it('lists newest first with visibility, status filter and a cursor', async () => {
      const base = Date.parse('2030-01-01T00:00:00.000Z');
      const mine = [0, 1, 2].map((i) =>
        call({
          technician: { id: 'pat', displayName: 'Pat', xassistUserId: 'pat', xassistUserDbId: 30 },
          createdAt: new Date(base + i * 1000).toISOString(),
          status: i === 1 ? 'ended' : 'ringing',
        }),
      );
      for (const c of mine) await sut.insert(c, null);
      const page = await sut.list({ statuses: null, participantId: 'pat', limit: 2, before: null });
      expect(page.map((c) => c.id)).toEqual([mine[2].id, mine[1].id]);
      const rest = await sut.list({
        statuses: null,
        participantId: 'pat',
        limit: 2,
        before: { createdAt: page[1].createdAt, id: page[1].id },
      });
      expect(rest.map((c) => c.id)).toEqual([mine[0].id]);
      expect(
        (
          await sut.list({ statuses: ['ended'], participantId: 'pat', limit: 10, before: null })
        ).map((c) => c.id),
      ).toEqual([mine[1].id]);
      expect(
        (await sut.list({ statuses: null, participantId: 'erika', limit: 1000, before: null }))
          .length,
      ).toBeGreaterThanOrEqual(3);
      expect(
        await sut.list({ statuses: null, participantId: 'nobody', limit: 10, before: null }),
      ).toEqual([]);
      expect(
        (await sut.list({ statuses: null, participantId: 'pat', limit: null, before: null })).map(
          (c) => c.id,
        ),
      ).toEqual([mine[2].id, mine[1].id, mine[0].id]);
      expect((await sut.withStatus(['ended'])).map((c) => c.id)).toContain(mine[1].id);
    });
  },
);
