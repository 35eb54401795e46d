import type { Kysely } from 'kysely';
import { memoryDatabase } from '../../test/support/calls-stack.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import type { BrokerDatabase } from '../database/schema.js';
import {
  InstanceRefusedError,
  InstanceRegistry,
  registrationVerdict,
} from './instance-registry.js';
import {
  InstanceRegistryStore,
  type InstanceIdentity,
  type InstanceRow,
} from './instance-registry.store.js';

const TTL_MS = 3_000;
const NOW = 1_000_000;
const me: InstanceIdentity = { id: 'me', host: 'h1', pid: 100, several: false, token: 'tok-me' };
const row = (fields: Partial<InstanceRow>): InstanceRow => ({
  id: 'other',
  host: 'h2',
  pid: 200,
  several: false,
  token: 'tok-other',
  startedAtMs: NOW - 60_000,
  heartbeatAtMs: NOW - 2_000,
  ...fields,
});
const alive = () => true;
const dead = () => false;

describe('registrationVerdict', () => {
  it('refuses an instance without REDIS_URL while another is live, naming it', () => {
    expect(registrationVerdict(me, [row({})], NOW, alive).refusal).toBe(
      'another broker instance is live on this database: other (host h2, pid 200, seen 2 s ago); stop it, or run several with REDIS_URL on PostgreSQL',
    );
    expect(registrationVerdict(me, [row({ several: true })], NOW, alive).refusal).toMatch(
      /^another broker instance is live on this database: other /,
    );
  });

  it('takes a row of this host whose process is gone, or of this very process (its token), for a leftover', () => {
    expect(registrationVerdict(me, [row({ host: 'h1' })], NOW, dead)).toEqual({
      leftovers: ['other'],
    });
    expect(
      registrationVerdict(me, [row({ host: 'h1', pid: 100, token: 'tok-me' })], NOW, alive),
    ).toEqual({
      leftovers: ['other'],
    });
    expect(registrationVerdict(me, [row({ host: 'h1' })], NOW, alive).refusal).toBeDefined();
    // Another host's pid says nothing about this host's processes.
    expect(registrationVerdict(me, [row({ pid: 100 })], NOW, dead).refusal).toBeDefined();
  });

  it('does not take a row of the same host and pid but another process (every container is pid 1) for itself', () => {
    const twin = row({ host: 'h1', pid: 100 });
    // Its own earlier run (restarted container) or another container of the same hostname: a
    // first look waits for the row to lapse or be renewed; then a live one is another instance.
    expect(registrationVerdict(me, [twin], NOW, alive, 'first')).toEqual({
      leftovers: [],
      undecided: ['other'],
    });
    expect(registrationVerdict(me, [twin], NOW, alive, 'final').refusal).toMatch(
      /^another broker instance is live on this database: other \(host h1, pid 100,/,
    );
    // With REDIS_URL the twin is one of several: nothing to wait for, and its row stays.
    const several = { ...me, several: true };
    expect(registrationVerdict(several, [{ ...twin, several: true }], NOW, alive, 'first')).toEqual(
      {
        leftovers: [],
      },
    );
  });

  it('lets instances with REDIS_URL share, but not with one without it', () => {
    const several = { ...me, several: true };
    expect(registrationVerdict(several, [row({ several: true })], NOW, alive)).toEqual({
      leftovers: [],
    });
    expect(registrationVerdict(several, [row({ several: false })], NOW, alive).refusal).toMatch(
      /^a broker instance without REDIS_URL is live on this database: other \(host h2, pid 200, seen 2 s ago\)/,
    );
  });

  it('refuses an INSTANCE_ID that a live instance already has', () => {
    const several = { ...me, several: true };
    expect(
      registrationVerdict(several, [row({ id: 'me', several: true })], NOW, alive).refusal,
    ).toMatch(/INSTANCE_ID me is live/);
  });
});

/** The registry on an in-memory SQLite database and the fake clock. */
describe('InstanceRegistry', () => {
  let db: Kysely<BrokerDatabase>;
  let clock: FakeClock;
  let store: InstanceRegistryStore;
  let log: ReturnType<typeof capturedLogger>;

  beforeEach(async () => {
    db = await memoryDatabase();
    clock = new FakeClock();
    store = new InstanceRegistryStore(db, 'sqlite', TTL_MS);
    log = capturedLogger('debug');
  });
  afterEach(() => db.destroy());

  const registryOf = (identity: InstanceIdentity, on = store) =>
    new InstanceRegistry(on, identity, clock, 1_000, log.logger, alive);
  const ids = async () =>
    (await db.selectFrom('broker_instances').select('id').orderBy('id').execute()).map((r) => r.id);

  it('registers, refuses a second instance without REDIS_URL, and leaves at stop', async () => {
    const first = registryOf(me);
    await first.register();
    const second = registryOf({ id: 'two', host: 'h2', pid: 200, several: false, token: 't2' });
    await expect(second.register()).rejects.toThrow(InstanceRefusedError);
    await expect(second.register()).rejects.toThrow(
      /^another broker instance is live on this database: me \(host h1, pid 100, seen 0 s ago\)/,
    );
    expect(await ids()).toEqual(['me']);
    expect(await first.liveInstances()).toBe(1);

    await first.stop();
    expect(await ids()).toEqual([]);
    await second.register();
    expect(await ids()).toEqual(['two']);
    await second.stop();
  });

  it('drops a row whose heartbeat lapsed and registers over it', async () => {
    await db
      .insertInto('broker_instances')
      .values({
        id: 'gone',
        host: 'h9',
        pid: 9,
        several: 0,
        started_at_ms: 0,
        heartbeat_at_ms: Date.now() - TTL_MS - 1,
      })
      .execute();
    const registry = registryOf(me);
    await registry.register();
    expect(await ids()).toEqual(['me']);
    await registry.stop();
  });

  it('renews its heartbeat, and logs a failing one once while the broker keeps running', async () => {
    const registry = registryOf(me);
    await registry.register();
    await db.updateTable('broker_instances').set({ heartbeat_at_ms: 0 }).execute();
    await clock.advance(1_000);
    expect(await registry.liveInstances()).toBe(1);

    const heartbeat = store.heartbeat.bind(store);
    store.heartbeat = () => Promise.reject(new Error('disk I/O error'));
    await clock.advance(5_000);
    const failed = log.lines.filter((line) => line.includes('renewing the instance heartbeat'));
    expect(failed).toHaveLength(1);
    store.heartbeat = heartbeat;
    await clock.advance(1_000);
    expect(log.lines.some((line) => line.includes('heartbeat works again'))).toBe(true);
    await registry.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  const startedWhileLive = async (twin: InstanceIdentity) => {
    await store.register(twin, () => ({ leftovers: [] })); // a row only: nothing renews it here
    const registering = registryOf(me).register();
    await clock.untilPending(1); // the first look found the twin, and waits a lease for it
    return { registering }; // (a promise returned bare would be awaited here)
  };

  it("a restarted container (same host and pid) waits one lease for its earlier run's row to lapse, then starts", async () => {
    const { registering } = await startedWhileLive({
      ...me,
      id: 'earlier-run',
      token: 'tok-earlier',
    });
    expect(await ids()).toEqual(['earlier-run']);
    await db.updateTable('broker_instances').set({ heartbeat_at_ms: 0 }).execute(); // it lapsed
    await clock.advance(TTL_MS);
    await registering;
    expect(await ids()).toEqual(['me']);
    expect(log.lines.some((line) => line.includes('waiting one lease'))).toBe(true);
  });

  it('a container of the same hostname and pid as a live one is refused once it renewed its row', async () => {
    const { registering } = await startedWhileLive({
      ...me,
      id: 'neighbour',
      token: 'tok-neighbour',
    });
    const refused = expect(registering).rejects.toThrow(
      /^another broker instance is live on this database: neighbour \(host h1, pid 100,/,
    );
    await clock.advance(TTL_MS);
    await refused;
    expect(await ids()).toEqual(['neighbour']);
  });

  it('is judged again when it registers again after a pause past the lease, and stops if refused', async () => {
    const refusals: string[] = [];
    const registry = new InstanceRegistry(store, me, clock, 1_000, log.logger, alive, (why) =>
      refusals.push(why),
    );
    await registry.register();
    // Paused past the lease: its row lapsed, and an instance without REDIS_URL started meanwhile.
    await db.deleteFrom('broker_instances').execute();
    await registryOf({
      id: 'newcomer',
      host: 'h2',
      pid: 200,
      several: false,
      token: 't2',
    }).register();
    await clock.advance(1_000);
    expect(refusals).toEqual([
      expect.stringMatching(/^another broker instance is live on this database: newcomer /),
    ]);
    expect(await ids()).toEqual(['newcomer']);
    await registry.stop();
  });

  it('registers again after a pause past the lease when nobody rules it out', async () => {
    const registry = registryOf(me);
    await registry.register();
    await db.deleteFrom('broker_instances').execute();
    await clock.advance(1_000);
    expect(await ids()).toEqual(['me']);
    expect(log.lines.some((line) => line.includes('registered again'))).toBe(true);
    await registry.stop();
  });
});
