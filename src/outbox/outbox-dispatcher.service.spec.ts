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

  describe('with other instances', () => {
    it('tells them after a commit here, at most once per 50 ms', async () => {
      const { signals } = bench;
      sut().start();
      await clock.advance(0);
      sut().wake();
      sut().wake();
      sut().wake();
      expect(signals.published).toEqual([{ topic: 'outbox.wake', payload: {} }]);
      await clock.advance(49);
      expect(signals.published).toHaveLength(1);
      await clock.advance(1); // the wakes after the first: one more, at the end of the 50 ms
      expect(signals.published).toHaveLength(2);
      await clock.advance(1_000);
      expect(signals.published).toHaveLength(2);
    });

    it('looks at once when another instance commits, and does not echo its signal', async () => {
      sut().start();
      await clock.advance(0); // the first round: nothing due; the next poll is 500 ms away
      await add(message('a1', 'a', 1));
      bench.signals.deliver('outbox.wake', {});
      await clock.advance(0);
      expect(sender.sent).toEqual(['a1']);
      expect(bench.signals.published).toEqual([]);
    });
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

  describe("ends a row past its deadline or its kind's time to live (expired)", () => {
    /** Six attempts 1 s doubling up to 4 s; pages live 5 s from their first attempt. */
    const retry = { maxAttempts: 6, retryBaseMs: 1_000, retryMaxMs: 4_000 };
    let pages: ScriptedSender;
    let hooks: ScriptedSender;
    const failing = (to: ScriptedSender) =>
      to.answers.push(
        ...Array.from({ length: 10 }, () => ({
          status: 'retry' as const,
          afterMs: 0,
          reason: '503',
        })),
      );
    const page = (id: string, callId: string, expiresAt?: string): OutboxMessage => ({
      ...message(id, callId, 1, 'cam-direct'),
      destinationKind: 'chat',
      eventType: 'page.offered',
      expiresAt,
    });
    const expiredCount = () => bench.attempts('expired');

    beforeEach(async () => {
      pages = new ScriptedSender({ retry, ttlMs: 5_000 });
      hooks = new ScriptedSender({ retry, ttlMs: 3_600_000 });
      await bench.build({ webhook: hooks, chat: pages });
    });

    it("stops retrying a page once its kind's time to live would pass; a webhook on the same failures keeps its schedule", async () => {
      failing(pages);
      failing(hooks);
      await add(page('p1', 'a'), message('w1', 'a', 1));
      sut().start();
      await clock.advance(60_000);
      // Attempts at 0, ~1 s and ~3 s (each delay ±20 %); the next (~7 s) is past 5 s.
      expect(pages.sent).toEqual(['p1', 'p1', 'p1']);
      const expired = await store.find('p1');
      expect(expired).toMatchObject({ status: 'failed', attempts: 3 });
      expect(expired?.lastError).toBe(
        'expired after 3 attempts: its time to live (5 s from its first attempt) ends before the next one; last: 503',
      );
      expect(hooks.sent).toHaveLength(6);
      expect(await store.find('w1')).toMatchObject({
        status: 'failed',
        attempts: 6,
        lastError: 'gave up after 6 attempts: 503',
      });
      expect(await expiredCount()).toBe(1);
      // Dead like any other: listed as failed, counted by the gauge.
      const dead = await store.list({ status: 'failed', ownerId: null, limit: 10 });
      expect(dead.map((row) => row.id).sort()).toEqual(['p1', 'w1']);
      expect((await store.counts()).failed).toBe(2);
    });

    it("ends an offered page at its offer's expiry, sooner than its kind's time to live", async () => {
      failing(pages);
      const expiresAt = new Date(clock.now() + 2_500).toISOString();
      await add(page('p1', 'a', expiresAt));
      sut().start();
      await clock.advance(60_000);
      // Attempts at 0 and ~1 s; the next (~3 s) is past the offer's 2.5 s.
      expect(pages.sent).toEqual(['p1', 'p1']);
      expect((await store.find('p1'))?.lastError).toBe(
        `expired after 2 attempts: its deadline (${expiresAt}) ends before the next one; last: 503`,
      );
    });

    it('settles a row already past its deadline when claimed without sending it, and lets the next row go', async () => {
      const expiresAt = new Date(clock.now() + 1_000).toISOString();
      await add(page('p1', 'a', expiresAt), { ...page('p2', 'a'), seq: 2 });
      await clock.advance(2_000); // the dispatcher was down past the offer's expiry
      sut().start();
      await clock.advance(100);
      expect(pages.sent).toEqual(['p2']);
      expect(await store.find('p1')).toMatchObject({
        status: 'failed',
        attempts: 0,
        lastError: `expired: its deadline (${expiresAt}) passed before attempt 1`,
      });
      expect(await expiredCount()).toBe(1);
    });

    it('gives a dead row retried by hand a fresh time to live (its own deadline stays)', async () => {
      failing(pages);
      await add(page('p1', 'a'));
      sut().start();
      await clock.advance(60_000);
      expect((await store.find('p1'))?.status).toBe('failed');
      pages.answers.splice(0);
      expect(await store.retry('p1', clock.isoNow())).toBe(true);
      expect((await store.find('p1'))?.firstAttemptAt).toBeNull();
      sut().wake();
      await clock.advance(100);
      expect(await store.find('p1')).toMatchObject({ status: 'delivered', attempts: 1 });
    });
  });
});
