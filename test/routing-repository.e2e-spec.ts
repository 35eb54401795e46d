import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { migrateToLatest, openDatabase } from '../src/database/database.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { KyselyRoutingRepository } from '../src/routing/kysely-routing.repository.js';
import { afterOfferOutcome, withStatus } from '../src/routing/presence-rules.js';
import type { Offer } from '../src/routing/routing.model.js';
import { requirePostgres } from './support/environment.js';

const T0 = Date.parse('2026-11-23T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
let nextId = 0;

function pending(callId: string, expertId: string, expiresInSeconds = 20): Offer {
  return {
    id: `offer-${++nextId}`,
    callId,
    expertId,
    status: 'pending',
    offeredAt: at(0),
    expiresAt: at(expiresInSeconds),
    endedAt: null,
  };
}

/** A bare calls row: only what busy-ness reads. */
async function insertCall(
  db: Kysely<BrokerDatabase>,
  id: string,
  status: string,
  joinedExpertId: string | null = null,
): Promise<void> {
  const t = at(0);
  await db
    .insertInto('calls')
    .values({
      ...{ id, status, joined_expert_id: joinedExpertId, title: 't', reason: 'STANDARD' },
      ...{ call_type: 'MESH', technician_id: 'tom', technician_json: '{}', experts_json: '[]' },
      ...{ seq: 0, created_by: 'tom', anonymous_join_allowed: 0, created_at: t, updated_at: t },
      ...{ xassist_call_id: null, failure_reason: null, ringing_at: null },
      ...{ expert_joined_at: null, connected_at: null, ended_at: null },
    })
    .execute();
}

interface Backend {
  name: string;
  /**
   * Whether racers get connections of their own. PostgreSQL: yes, as several instances would.
   * SQLite: one connection, as the broker runs it (better-sqlite3 blocks the process while it
   * waits for another connection's write lock, so in-process racers would only time out).
   */
  separateConnections: boolean;
  /** A migrated database, and how to open more connections to it. */
  open(): Promise<{ url: string; close(): Promise<void> }>;
}

const postgres = await requirePostgres('routing repository on PostgreSQL');
const backends: Backend[] = [
  {
    name: 'SQLite',
    separateConnections: false,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'routing-repo-'));
      return {
        url: `sqlite:${join(dir, 'broker.db')}`,
        close: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  ...(postgres
    ? [
        {
          name: 'PostgreSQL',
          separateConnections: true,
          async open() {
            const created = await postgres.createDatabase();
            return { url: created.url, close: created.drop };
          },
        },
      ]
    : []),
];

describe.each(backends)('KyselyRoutingRepository on $name', (backend) => {
  let db: Kysely<BrokerDatabase>;
  let sut: KyselyRoutingRepository;
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ url, close } = await backend.open());
    db = openDatabase(url).db;
    await migrateToLatest(db);
    sut = new KyselyRoutingRepository(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await close?.();
  });

  it('stores presence, starting from offline, and applies each change once', async () => {
    expect(await sut.presenceOf('erika')).toBeUndefined();
    const { before, after } = await sut.updatePresence('erika', at(1), (p) =>
      withStatus(p, 'available', at(1)),
    );
    expect(before.status).toBe('offline');
    expect(after).toMatchObject({ status: 'available', since: at(1), idleSince: at(1) });
    expect(await sut.presenceOf('erika')).toEqual(after);
    await sut.updatePresence('erika', at(2), (p) => afterOfferOutcome(p, 'timed_out', at(2)));
    await sut.updatePresence('erika', at(3), (p) => afterOfferOutcome(p, 'timed_out', at(3)));
    expect(await sut.presenceOf('erika')).toMatchObject({ status: 'away', since: at(3) });
    expect((await sut.allPresence()).map((p) => p.expertId)).toContain('erika');
  });

  it('loses no presence update when writers race', async () => {
    await Promise.all(
      Array.from({ length: 6 }, () =>
        sut.updatePresence('racer', at(0), (p) => ({
          ...p,
          consecutiveTimeouts: p.consecutiveTimeouts + 1,
        })),
      ),
    );
    expect((await sut.presenceOf('racer'))?.consecutiveTimeouts).toBe(6);
  });

  it('one accept wins; the other pending offers of the call are rescinded at once', async () => {
    const offers = [pending('c1', 'erika'), pending('c1', 'ed'), pending('c1', 'ida')];
    const other = pending('c2', 'olga');
    expect(await sut.insertOffers([...offers, other])).toHaveLength(4);
    const outcome = await sut.accept(offers[0].id, 'erika', at(5));
    expect(outcome).toMatchObject({ kind: 'accepted', offer: { status: 'accepted' } });
    expect(outcome.kind === 'accepted' && outcome.rescinded.map((o) => o.expertId).sort()).toEqual([
      'ed',
      'ida',
    ]);
    expect((await sut.offersOfCalls(['c1'])).map((o) => o.status)).toEqual([
      'accepted',
      'rescinded',
      'rescinded',
    ]);
    expect((await sut.offer(other.id))?.status).toBe('pending');
    expect(await sut.accept(offers[1].id, 'ed', at(6))).toMatchObject({ kind: 'taken' });
    expect(await sut.insertOffers([pending('c1', 'max')])).toEqual([]);
  });

  it('refuses someone else’s offer, an unknown one, an expired one and a declined one', async () => {
    const [mine, late, said] = [
      pending('c3', 'erika'),
      pending('c4', 'ed', 10),
      pending('c5', 'paul'),
    ];
    await sut.insertOffers([mine, late, said]);
    expect(await sut.accept(mine.id, 'ed', at(1))).toEqual({ kind: 'not_found' });
    expect(await sut.accept('missing', 'ed', at(1))).toEqual({ kind: 'not_found' });
    expect(await sut.accept(late.id, 'ed', at(10))).toMatchObject({ kind: 'expired' });
    expect(await sut.decline(said.id, 'paul', at(1))).toMatchObject({ kind: 'declined' });
    expect(await sut.accept(said.id, 'paul', at(2))).toMatchObject({
      kind: 'ended',
      offer: { status: 'declined' },
    });
    expect(await sut.decline(mine.id, 'max', at(1))).toEqual({ kind: 'not_found' });
  });

  it('times out due offers once and rescinds a call’s pending offers', async () => {
    const soon = pending('c6', 'quinn', 5);
    const later = pending('c6', 'rita', 50);
    await sut.insertOffers([soon, later]);
    expect((await sut.timeOutDue(at(5))).map((o) => o.id)).toContain(soon.id);
    expect((await sut.timeOutDue(at(5))).map((o) => o.id)).not.toContain(soon.id);
    expect((await sut.pendingOffersOf('rita')).map((o) => o.id)).toEqual([later.id]);
    expect((await sut.rescindPending('c6', at(6))).map((o) => o.id)).toEqual([later.id]);
    expect((await sut.offer(later.id))?.status).toBe('rescinded');
  });

  it('makes no offer for a call that stopped waiting (a cancel committed since the tick read it)', async () => {
    await insertCall(db, 'gone', 'cancelled');
    await insertCall(db, 'waits', 'queued');
    const late = pending('gone', 'nora');
    const fine = pending('waits', 'otto');
    expect(await sut.insertOffers([late, fine])).toEqual([fine]);
    expect(await sut.pendingOffersOf('nora')).toEqual([]);
  });

  it('derives busy from active calls and accepted offers of active calls', async () => {
    await insertCall(db, 'b-joined', 'connected', 'erika');
    await insertCall(db, 'b-done', 'ended', 'max');
    // Offered while queued, then accepted: the call rings.
    await insertCall(db, 'b-accepted', 'queued');
    const offer = pending('b-accepted', 'sven');
    await sut.insertOffers([offer]);
    await sut.accept(offer.id, 'sven', at(1));
    await db
      .updateTable('calls')
      .set({ status: 'ringing' })
      .where('id', '=', 'b-accepted')
      .execute();
    // A callback an expert took (no offer): theirs from the take, rung or not.
    await insertCall(db, 'b-callback', 'ringing');
    await db
      .updateTable('calls')
      .set({ accepted_by_id: 'cora', queue_id: 'pumps' })
      .where('id', '=', 'b-callback')
      .execute();
    const busy = await sut.busyExperts();
    expect(busy.get('erika')).toBe('b-joined');
    expect(busy.get('sven')).toBe('b-accepted');
    expect(busy.get('cora')).toBe('b-callback');
    expect(busy.has('max')).toBe(false);
  });

  /** N repositories for N racers: on their own connections where the backend allows it. */
  const racingRepositories = (count: number) => {
    const instances = backend.separateConnections
      ? Array.from({ length: count }, () => openDatabase(url).db)
      : [];
    return {
      repositories: Array.from(
        { length: count },
        (_, i) => new KyselyRoutingRepository(instances[i] ?? db),
      ),
      close: () => Promise.all(instances.map((instance) => instance.destroy())),
    };
  };

  it('exactly one of many concurrent accepts wins', async () => {
    const racers = 8;
    const offers = Array.from({ length: racers }, (_, i) => pending('race', `expert-${i}`));
    await sut.insertOffers(offers);
    const { repositories, close } = racingRepositories(racers);
    try {
      const outcomes = await Promise.all(
        offers.map((offer, i) => repositories[i].accept(offer.id, offer.expertId, at(1))),
      );
      const kinds = outcomes.map((outcome) => outcome.kind).sort();
      expect(kinds).toEqual(['accepted', ...Array(racers - 1).fill('taken')]);
      const stored = await sut.offersOfCalls(['race']);
      expect(stored.filter((o) => o.status === 'accepted')).toHaveLength(1);
      expect(stored.filter((o) => o.status === 'rescinded')).toHaveLength(racers - 1);
    } finally {
      await close();
    }
  });

  it('the same offer accepted twice at once is accepted once', async () => {
    const offer = pending('twice', 'tara');
    await sut.insertOffers([offer]);
    const { repositories, close } = racingRepositories(2);
    try {
      const outcomes = await Promise.all(
        repositories.map((repository) => repository.accept(offer.id, 'tara', at(1))),
      );
      expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['accepted', 'ended']);
    } finally {
      await close();
    }
  });

  it('an expert holds one pending offer at a time; a second is not stored', async () => {
    const first = pending('h1', 'uma');
    expect(await sut.insertOffers([first, pending('h2', 'uma')])).toEqual([first]);
    expect(await sut.insertOffers([pending('h3', 'uma')])).toEqual([]);
    await sut.decline(first.id, 'uma', at(1));
    expect(await sut.insertOffers([pending('h3', 'uma')])).toHaveLength(1);
  });

  it('two instances offering the same expert at once store one offer', async () => {
    const { repositories, close } = racingRepositories(4);
    try {
      const stored = await Promise.all(
        repositories.map((repository, i) => repository.insertOffers([pending(`r${i}`, 'vera')])),
      );
      expect(stored.flat()).toHaveLength(1);
      expect(await sut.pendingOffersOf('vera')).toEqual(stored.flat());
    } finally {
      await close();
    }
  });
});
