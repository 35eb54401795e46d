import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { SystemClock } from '../src/common/clock.js';
import { MemoryRateLimiter, SharedRateLimiter } from '../src/cluster/shared-rate-limiter.js';
import { PacedXAssistBudget } from '../src/xassist/xassist-budget.js';
import { waitFor } from './support/broker-harness.js';
import { busiestWindow } from './support/sliding-window.js';
import { describeIf, requireRedis } from './support/environment.js';
import { capturedLogger } from './support/log-capture.js';

const RATE = 10;
const CONTENTION_MS = 3_000;

/**
 * When a slot was granted: Redis read its clock (the same machine's) between the ask and the answer,
 * and Date.now() drops the fraction of a millisecond (so + 1), plus the wait it answered.
 */
interface Grant {
  earliest: number;
  latest: number;
}

const SUITE = 'the shared rate limiter on Redis';

const redisServer = await requireRedis(SUITE);

describeIf(redisServer)(SUITE, () => {
  const prefix = `test:rate:${randomUUID()}:`;
  const connections: Redis[] = [];
  const { logger, lines } = capturedLogger('debug');

  /** A limiter on its own connection, as another instance would have. */
  async function anInstance(): Promise<SharedRateLimiter> {
    const redis = new Redis(redisServer!.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    });
    connections.push(redis);
    await redis.connect();
    return new SharedRateLimiter(redis, new MemoryRateLimiter(new SystemClock()), logger, prefix);
  }

  afterAll(async () => {
    const cleaner = new Redis(redisServer!.url);
    const keys = await cleaner.keys(`${prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
    await cleaner.quit();
    for (const redis of connections) await redis.quit();
  });

  /** Asks for the key's slot until `untilMs`, asking again when told; each grant's bounds. */
  async function tryContend(
    limiter: SharedRateLimiter,
    key: string,
    untilMs: number,
    grants: Grant[],
  ) {
    while (Date.now() < untilMs) {
      const asked = Date.now();
      const waitMs = (await limiter.tryTake(key, RATE)).waitMs;
      if (waitMs === 0) grants.push({ earliest: asked, latest: Date.now() + 1 });
      const at = Date.now() + waitMs;
      await waitFor(
        async () => Date.now(),
        (now) => now >= at,
        waitMs + 1_000,
      );
    }
  }

  it(`tryTake: two instances on one key never get slots closer than 1/${RATE} s, refusals reserving nothing`, async () => {
    const [one, two] = [await anInstance(), await anInstance()];
    const grants: Grant[] = [];
    const until = Date.now() + CONTENTION_MS;
    await Promise.all(
      [one, one, two, two].map((limiter) => tryContend(limiter, 'try', until, grants)),
    );

    grants.sort((a, b) => a.earliest - b.earliest);
    // Granted on Redis's clock within [asked, answered]: consecutive grants must be able to
    // lie an interval apart, and RATE + 1 of them a second apart.
    for (let i = 1; i < grants.length; i++)
      expect(grants[i].latest - grants[i - 1].earliest).toBeGreaterThanOrEqual(1000 / RATE);
    for (let i = RATE; i < grants.length; i++)
      expect(grants[i].latest - grants[i - RATE].earliest).toBeGreaterThanOrEqual(1_000);
    // Refusals took nothing: the slots kept coming, about one per interval, not fewer.
    expect(grants.length).toBeGreaterThanOrEqual((CONTENTION_MS / 1000) * RATE * 0.5);
    expect(grants.length).toBeLessThanOrEqual((CONTENTION_MS / 1000) * RATE + 1);
    expect(lines.filter((line) => line.includes('paces alone'))).toEqual([]);
  }, 20_000);

  it('tryTake: a refusal from Redis is not a slot, and a granted key holds for both instances', async () => {
    const [one, two] = [await anInstance(), await anInstance()];
    expect((await one.tryTake('slow', 0.5)).waitMs).toBe(0);
    const refused = (await two.tryTake('slow', 0.5)).waitMs;
    expect(refused).toBeGreaterThan(1_000);
    expect(refused).toBeLessThanOrEqual(2_000);
    // The refusal did not move the slot on: the wait only shrinks.
    expect((await one.tryTake('slow', 0.5)).waitMs).toBeLessThanOrEqual(refused);
    // A burst of 3 after a quiet spell, shared by both, then the wait.
    const burst = [one, two, one, two].map(
      (limiter) => async () => (await limiter.tryTake('burst', 0.5, 3)).waitMs,
    );
    const answers: number[] = [];
    for (const ask of burst) answers.push(await ask());
    expect(answers.slice(0, 3)).toEqual([0, 0, 0]);
    expect(answers[3]).toBeGreaterThan(1_000);
  });

  it("tryTake: grants at once after Redis's clock stepped back, not an hour later", async () => {
    const limiter = await anInstance();
    // What a grant left before the clock stepped back an hour: a TAT an hour ahead of Redis's now.
    const redis = connections[connections.length - 1];
    const [seconds, micros] = await redis.time();
    const hourAhead = Number(seconds) * 1000 + Number(micros) / 1000 + 3_600_000;
    await redis.set(`${prefix}stepped`, hourAhead.toFixed(3), 'PX', 3_600_000);
    expect((await limiter.tryTake('stepped', 10)).waitMs).toBe(0);
    const next = (await limiter.tryTake('stepped', 10)).waitMs;
    expect(next).toBeGreaterThan(0);
    expect(next).toBeLessThanOrEqual(100);
  });

  it('tryTake with demand: adds what each instance told, one fewer for a grant, forgets a lapsed one', async () => {
    const [one, two] = [await anInstance(), await anInstance()];
    const told = (instance: string, waiting: number, keepMs = 60_000) => ({
      instance,
      waiting,
      keepMs,
      graceMs: 0,
    });
    expect(await one.tryTake('demand', 0.5, 1, told('one', 5))).toEqual({ waitMs: 0, demand: 5 });
    const refused = await two.tryTake('demand', 0.5, 1, told('two', 3, 1));
    expect(refused.waitMs).toBeGreaterThan(0);
    expect(refused.demand).toBe(7);
    // two's word was kept for a millisecond: once Redis's clock has passed it, one is alone.
    const until = Date.now() + 5;
    await waitFor(
      async () => Date.now(),
      (now) => now > until,
    );
    expect((await one.tryTake('demand', 0.5, 1, told('one', 2))).demand).toBe(2);
    // Without demand, the key's slot is all there is to it.
    expect((await two.tryTake('plain', 0.5)).demand).toBe(0);
  });

  it("takes turns: two instances' budgets with equal work share the slots about evenly", async () => {
    const budgets = [await anInstance(), await anInstance()].map(
      (limiter, i) =>
        new PacedXAssistBudget(20, limiter, new SystemClock(), logger, undefined, {
          key: 'turns',
          instance: `instance-${i}`,
        }),
    );
    const sent: number[] = [];
    await Promise.all(
      budgets.flatMap((budget, i) =>
        Array.from({ length: 30 }, () =>
          budget.spend({ claim: { priority: 'ringing' } }, async () => {
            sent.push(i);
          }),
        ),
      ),
    );
    // While both had work (the first 40 grants), each got about half, never many slots in a row.
    // Both instances run in this jest process: a pause of it can make one miss a turn or two (a
    // CI run saw 5 in a row), so the bounds allow that and still catch one keeping the slots.
    let run = 0;
    let longest = 0;
    const firstForty = sent.slice(0, 40);
    firstForty.forEach((who, i) => {
      run = i > 0 && sent[i - 1] === who ? run + 1 : 1;
      longest = Math.max(longest, run);
    });
    expect(longest).toBeLessThanOrEqual(8);
    const zeroShare = firstForty.filter((who) => who === 0).length;
    expect(zeroShare).toBeGreaterThanOrEqual(14);
    expect(zeroShare).toBeLessThanOrEqual(26);
    for (const budget of budgets) budget.close();
  }, 20_000);

  it("keeps two instances' xAssist budgets together within B in any second", async () => {
    const budgets = [await anInstance(), await anInstance()].map(
      (limiter) =>
        new PacedXAssistBudget(20, limiter, new SystemClock(), logger, undefined, {
          key: 'budget',
        }),
    );
    const sent: number[] = [];
    // 40 polls waiting in each instance: 80 requests, 4 s of a budget of 20 a second.
    await Promise.all(
      budgets.flatMap((budget) =>
        Array.from({ length: 40 }, () =>
          budget.spend({ claim: { priority: 'ringing' } }, async () => {
            sent.push(Date.now());
          }),
        ),
      ),
    );
    expect(sent).toHaveLength(80);
    // Stamped in this jest process after each grant: a pause of the whole process (a collection of
    // its large heap) delays one stamp while the next slot is already due. One of slack covers
    // a pause of up to a slot; without sharing, the two would send 40 a second.
    expect(busiestWindow(sent, 1_000)).toBeLessThanOrEqual(20 + 1);
    for (const budget of budgets) budget.close();
  }, 20_000);

  it('paces alone, at the full rate, while Redis is unreachable, and says so once', async () => {
    const redis = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    const limiter = new SharedRateLimiter(
      redis,
      new MemoryRateLimiter(new SystemClock()),
      logger,
      prefix,
    );
    expect((await limiter.tryTake('down-try', 1)).waitMs).toBe(0);
    expect((await limiter.tryTake('down-try', 1)).waitMs).toBeGreaterThan(900);
    expect(lines.filter((line) => line.includes('paces alone'))).toHaveLength(1);
    redis.disconnect();
  });
});
