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
const me: InstanceIdentity = { id: 'me', host: 'h1', pid: 100, several: false };
const row = (fields: Partial<InstanceRow>): InstanceRow => ({
  id: 'other',
  host: 'h2',
  pid: 200,
  several: false,
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

  it('takes a row of this host whose process is gone, or whose pid is ours, for a leftover', () => {
    expect(registrationVerdict(me, [row({ host: 'h1' })], NOW, dead)).toEqual({
      leftovers: ['other'],
    });
    expect(registrationVerdict(me, [row({ host: 'h1', pid: 100 })], NOW, alive)).toEqual({
      leftovers: ['other'],
    });
    expect(registrationVerdict(me, [row({ host: 'h1' })], NOW, alive).refusal).toBeDefined();
    // Another host's pid says nothing about this host's processes.
    expect(registrationVerdict(me, [row({ pid: 100 })], NOW, dead).refusal).toBeDefined();
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
    const second = registryOf({ id: 'two', host: 'h2', pid: 200, several: false });
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
});
