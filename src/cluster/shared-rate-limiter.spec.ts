import { FakeClock } from '../../test/support/fake-clock.js';
import { busiestWindow } from '../../test/support/sliding-window.js';
import { MemoryRateLimiter, gcraTryStep } from './shared-rate-limiter.js';

/** When each of `count` callers, one after the other, got its slot, asking again when told. */
async function slotsOf(
  limiter: MemoryRateLimiter,
  clock: FakeClock,
  count: number,
  rate: number,
  burst: number,
  key = 'k',
): Promise<number[]> {
  const slots: number[] = [];
  while (slots.length < count) {
    const { waitMs } = await limiter.tryTake(key, rate, burst);
    if (waitMs === 0) slots.push(clock.now());
    else await clock.advance(waitMs);
  }
  return slots;
}

describe('MemoryRateLimiter', () => {
  it('lets a burst go at once after a quiet spell, then paces', async () => {
    const clock = new FakeClock();
    const limiter = new MemoryRateLimiter(clock);
    const start = clock.now();
    const slots = await slotsOf(limiter, clock, 6, 5, 3, 'a');
    expect(slots.map((at) => at - start)).toEqual([0, 0, 0, 200, 400, 600]);
    // The burst refills at the rate: 400 ms after the last slot, two of its slots are free again.
    await clock.advance(400);
    const wait = async () => (await limiter.tryTake('a', 5, 3)).waitMs;
    expect([await wait(), await wait(), await wait()]).toEqual([0, 0, 200]);
  });

  it('never starts more than the rate in any one-second window, across window boundaries', async () => {
    const clock = new FakeClock(Date.parse('2026-11-23T12:00:00.900Z'));
    const limiter = new MemoryRateLimiter(clock);
    const slots: number[] = [];
    // Callers arrive unevenly for 3 s: some at once, some after a gap, some straddling a second.
    for (const gapMs of [0, 0, 0, 50, 100, 0, 0, 700, 30, 30, 30, 0, 0, 0, 0, 999, 1, 0, 0, 0]) {
      await clock.advance(gapMs);
      slots.push(...(await slotsOf(limiter, clock, 1, 4, 1)));
    }
    expect(busiestWindow(slots, 1_000)).toBeLessThanOrEqual(4);
    // A slot at x.999 and the next at the following second's start are still 1/rate apart.
    const sorted = [...slots].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++)
      expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(250);
  });

  it('allows at most burst - 1 extra slots in a window', async () => {
    const clock = new FakeClock();
    const limiter = new MemoryRateLimiter(clock);
    const slots = await slotsOf(limiter, clock, 40, 10, 4);
    expect(busiestWindow(slots, 1_000)).toBe(10 + 4 - 1);
  });

  it('forgets keys whose slots have all passed once it holds many', async () => {
    const clock = new FakeClock();
    const limiter = new MemoryRateLimiter(clock);
    for (let i = 0; i < 1_500; i++) await limiter.tryTake(`k${i}`, 1);
    await clock.advance(2_000);
    expect((await limiter.tryTake('k0', 1)).waitMs).toBe(0);
    expect((await limiter.tryTake('k0', 1)).waitMs).toBe(1_000);
  });
});

describe('MemoryRateLimiter.tryTake (non-reserving)', () => {
  it('grants only a free slot and reserves nothing when it refuses', async () => {
    const clock = new FakeClock();
    const limiter = new MemoryRateLimiter(clock);
    expect((await limiter.tryTake('a', 10)).waitMs).toBe(0);
    expect((await limiter.tryTake('a', 10)).waitMs).toBe(100);
    expect((await limiter.tryTake('a', 10)).waitMs).toBe(100); // asking again took nothing
    await clock.advance(60);
    expect((await limiter.tryTake('a', 10)).waitMs).toBe(40);
    expect((await limiter.tryTake('b', 10)).waitMs).toBe(0); // each key on its own
    await clock.advance(40);
    expect((await limiter.tryTake('a', 10)).waitMs).toBe(0);
    // A slot taken late counts from when it was taken: the next is a full interval after it.
    await clock.advance(170);
    expect((await limiter.tryTake('a', 10)).waitMs).toBe(0);
    expect((await limiter.tryTake('a', 10)).waitMs).toBe(100);
  });

  it('keeps granting when the clock steps back (NTP), one interval apart as before', async () => {
    const clock = new FakeClock();
    const limiter = new MemoryRateLimiter(clock);
    expect((await limiter.tryTake('a', 10)).waitMs).toBe(0);
    clock.stepWallClock(-3_600_000);
    expect((await limiter.tryTake('a', 10)).waitMs).toBe(0);
    expect((await limiter.tryTake('a', 10)).waitMs).toBe(100);
  });

  it('answers whole milliseconds that never come early, for fractional intervals', async () => {
    const clock = new FakeClock();
    const limiter = new MemoryRateLimiter(clock);
    const grants: number[] = [];
    while (grants.length < 20) {
      const waitMs = (await limiter.tryTake('a', 1000 / 52.5)).waitMs;
      if (waitMs === 0) grants.push(clock.now());
      else {
        expect(Number.isInteger(waitMs)).toBe(true);
        await clock.advance(waitMs);
      }
    }
    for (let i = 1; i < grants.length; i++)
      expect(grants[i] - grants[i - 1]).toBeGreaterThanOrEqual(52.5);
    expect(busiestWindow(grants, 1_000)).toBeLessThanOrEqual(19);
  });
});

describe("MemoryRateLimiter demand (the Redis script's arithmetic)", () => {
  it('adds what each asker told, one fewer for a grant, and forgets a word once it lapses', async () => {
    const clock = new FakeClock();
    const limiter = new MemoryRateLimiter(clock);
    const told = (instance: string, waiting: number, keepMs = 60_000) => ({
      instance,
      waiting,
      keepMs,
      graceMs: 0,
    });
    expect(await limiter.tryTake('d', 0.5, 1, told('one', 5))).toEqual({ waitMs: 0, demand: 5 });
    const refused = await limiter.tryTake('d', 0.5, 1, told('two', 3, 10));
    expect(refused).toEqual({ waitMs: 2_000, demand: 7 });
    await clock.advance(10);
    expect((await limiter.tryTake('d', 0.5, 1, told('one', 2))).demand).toBe(2);
    expect((await limiter.tryTake('plain', 0.5)).demand).toBe(0);
  });
});

describe('gcraTryStep', () => {
  it('is the same arithmetic as the Redis script: granted from a passed TAT, else the wait', () => {
    expect(gcraTryStep(undefined, 1_000, 4)).toEqual({ waitMs: 0, tat: 1_250 });
    expect(gcraTryStep(1_000, 1_000, 4)).toEqual({ waitMs: 0, tat: 1_250 });
    expect(gcraTryStep(1_250, 1_000, 4)).toEqual({ waitMs: 250, tat: 1_250 });
    expect(gcraTryStep(1_000.2, 1_000, 4)).toEqual({ waitMs: 1, tat: 1_000.2 });
    // A burst of 3: granted while the TAT is less than two intervals ahead.
    expect(gcraTryStep(1_500, 1_000, 4, 3)).toEqual({ waitMs: 0, tat: 1_750 });
    expect(gcraTryStep(1_750, 1_000, 4, 3)).toEqual({ waitMs: 250, tat: 1_750 });
  });

  it('grants at once after the clock stepped back, instead of waiting until it has caught up', () => {
    // A grant sets the TAT at most the allowance plus one interval ahead (1_500 + 250 here); one
    // further ahead was set before the clock stepped back an hour.
    expect(gcraTryStep(1_000 + 3_600_000, 1_000, 4, 3)).toEqual({ waitMs: 0, tat: 1_250 });
    expect(gcraTryStep(1_751, 1_000, 4, 3)).toEqual({ waitMs: 0, tat: 1_250 });
    expect(gcraTryStep(1_250, 1_000, 4)).toEqual({ waitMs: 250, tat: 1_250 });
  });
});
