import type { FakeClock } from '../../test/support/fake-clock.js';
import { message, OutboxBench, ScriptedSender } from '../../test/support/outbox-bench.js';
import type { OutboxStore } from './kysely-outbox.store.js';
import type { OutboxMessage } from './outbox.model.js';

describe('OutboxDispatcher', () => {
  let bench: OutboxBench;
  let store: OutboxStore;
  let clock: FakeClock;
  let sender: ScriptedSender;
  const sut = () => bench.sut;
  const add = (...messages: OutboxMessage[]) => bench.add(...messages);

  beforeEach(async () => {
    bench = await OutboxBench.open();
    ({ store, clock } = bench);
    sender = new ScriptedSender();
    await bench.build({ webhook: sender });
  });
  afterEach(() => bench.close());

  it("delivers a call's rows in seq order, and another call's alongside", async () => {
    await add(message('b2', 'b', 2), message('a2', 'a', 2), message('a1', 'a', 1));
    sut().start();
    await clock.advance(1_000);
    expect(sender.sent.indexOf('a1')).toBeLessThan(sender.sent.indexOf('a2'));
    expect(sender.sent.sort()).toEqual(['a1', 'a2', 'b2']);
  });

  it('retries with backoff, holds later rows back meanwhile, and dead-letters after the last attempt', async () => {
    sender.answers.push(
      { status: 'retry', afterMs: 0, reason: '503' },
      { status: 'retry', afterMs: 0, reason: '503' },
      { status: 'retry', afterMs: 0, reason: '503' },
    );
    await add(message('a1', 'a', 1), message('a2', 'a', 2));
    sut().start();
    await clock.advance(100);
    expect(sender.sent).toEqual(['a1']);
    await clock.advance(700); // the first retry is 1000 ± 20% away
    expect(sender.sent).toEqual(['a1']);
    await clock.advance(10_000);
    expect(sender.sent).toEqual(['a1', 'a1', 'a1', 'a2']);
    expect(await store.find('a1')).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'gave up after 3 attempts: 503',
    });
    expect((await store.find('a2'))?.status).toBe('delivered');
  });

  it('honours Retry-After beyond its own backoff', async () => {
    sender.answers.push({ status: 'retry', afterMs: 60_000, reason: '429' });
    await add(message('a1', 'a', 1));
    sut().start();
    await clock.advance(59_000);
    expect(sender.sent).toEqual(['a1']);
    await clock.advance(2_000);
    expect(sender.sent).toEqual(['a1', 'a1']);
  });

  it('takes over a row whose claim lapsed (the instance that claimed it died)', async () => {
    await add(message('a1', 'a', 1));
    const lease = new Date(clock.now() + 5_000).toISOString();
    expect(
      await store.claim(clock.isoNow(), lease, 10, 'dead-instance', {
        perDestination: 1,
        skip: [],
      }),
    ).toHaveLength(1);
    sut().start();
    await clock.advance(4_000);
    expect(sender.sent).toEqual([]);
    await clock.advance(2_000);
    expect(sender.sent).toEqual(['a1']);
    expect((await store.find('a1'))?.status).toBe('delivered');
  });

  it('marks a row failed and tells the sender when the destination is gone', async () => {
    sender.answers.push({ status: 'gone', reason: '410' });
    await add(message('a1', 'a', 1));
    sut().start();
    await clock.advance(100);
    expect(sender.goneCalls).toEqual([['hook-1', '410']]);
    expect((await store.find('a1'))?.status).toBe('failed');
  });
});
