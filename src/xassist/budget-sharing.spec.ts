import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { gapsOf, type Grant } from '../../test/support/paced-budget.js';
import {
  MemoryRateLimiter,
  type Demand,
  type RateLimiter,
  type SlotAnswer,
} from '../cluster/shared-rate-limiter.js';
import { EARLY_MS, PacedXAssistBudget } from './xassist-budget.js';

const B = 20;
const INTERVAL_MS = 1050 / B;

/**
 * One limiter (as one Redis key) whose answers take 0 to 4 ms to come back, as Redis's do: which
 * of two instances asking for the same slot gets it is then a matter of chance, as it is live.
 */
function redisLike(clock: FakeClock): RateLimiter {
  const memory = new MemoryRateLimiter(clock);
  let seed = 7;
  const jitterMs = () => ((seed = (seed * 48_271) % 2_147_483_647) % 5) as number;
  return Object.assign(Object.create(MemoryRateLimiter.prototype), {
    sharedAcrossInstances: false,
    tryTake: (key: string, rate: number, burst?: number, demand?: Demand) =>
      new Promise<SlotAnswer>((resolve) =>
        clock.setTimeout(() => resolve(memory.tryTake(key, rate, burst, demand)), jitterMs()),
      ),
  }) as RateLimiter;
}

/**
 * Two instances' budgets on one limiter, each with `waiting[i]` ringing polls at once; every
 * grant is recorded with its instance.
 */
function twoInstances(waiting: [number, number]) {
  const clock = new FakeClock();
  const limiter = redisLike(clock);
  const { logger } = capturedLogger();
  const grants: Grant[] = [];
  const budgets = ['a', 'b'].map(
    (instance) => new PacedXAssistBudget(B, limiter, clock, logger, undefined, { instance }),
  );
  budgets.forEach((budget, i) => {
    for (let n = 0; n < waiting[i]; n++)
      void budget.spend(
        { claim: { priority: 'ringing', since: clock.now(), slowestMs: 60_000 } },
        () => (
          grants.push({ name: budget === budgets[0] ? 'a' : 'b', at: clock.now() }),
          Promise.resolve()
        ),
      );
  });
  return { clock, grants };
}

/** The longest run of consecutive grants to one instance. */
function longestRun(grants: Grant[]): number {
  let longest = 0;
  let run = 0;
  grants.forEach((grant, i) => {
    run = i > 0 && grants[i - 1].name === grant.name ? run + 1 : 1;
    longest = Math.max(longest, run);
  });
  return longest;
}

describe('two instances sharing the budget (Demand)', () => {
  it('take turns when both have as much waiting, at the full rate together', async () => {
    const { clock, grants } = twoInstances([30, 30]);
    await clock.advance(40 * INTERVAL_MS);
    const first40 = grants.slice(0, 40);
    // Without the demand told to the limiter, the instance whose timer fires first wins every slot.
    expect(longestRun(first40)).toBeLessThanOrEqual(2);
    for (let i = 0; i + 10 <= first40.length; i++) {
      const toA = first40.slice(i, i + 10).filter((grant) => grant.name === 'a').length;
      expect(toA).toBeGreaterThanOrEqual(4);
      expect(toA).toBeLessThanOrEqual(6);
    }
    // Still the whole budget: taking turns wastes no more than a slot now and then.
    expect(grants.length).toBeGreaterThanOrEqual(36);
    for (const gap of gapsOf(grants)) expect(gap).toBeGreaterThanOrEqual(INTERVAL_MS - EARLY_MS);
  });

  it('share by demand: one with three times the waiting takes about three slots in four', async () => {
    const { clock, grants } = twoInstances([60, 20]);
    await clock.advance(40 * INTERVAL_MS);
    const toA = grants.slice(0, 40).filter((grant) => grant.name === 'a').length;
    expect(toA).toBeGreaterThanOrEqual(26);
    expect(toA).toBeLessThanOrEqual(34);
  });

  it('gives every slot to the instance left with work once the other has none', async () => {
    const { clock, grants } = twoInstances([40, 4]);
    await clock.advance(60 * INTERVAL_MS);
    const lastOfB = grants.findLastIndex((grant) => grant.name === 'b');
    const afterB = grants.slice(lastOfB + 1);
    expect(grants.filter((grant) => grant.name === 'b')).toHaveLength(4);
    // b's last grant left it telling no demand: a's asks come an interval apart at once (give or
    // take the answer's 4 ms), not ever further apart as its own waiting dwindles.
    const gaps = gapsOf(afterB);
    expect(gaps.length).toBeGreaterThan(10);
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(INTERVAL_MS + 5);
  });
});
