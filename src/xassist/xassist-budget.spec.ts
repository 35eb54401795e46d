import { getEventListeners } from 'node:events';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { aBudget, gapsOf, names } from '../../test/support/paced-budget.js';
import { busiestWindow } from '../../test/support/sliding-window.js';
import {
  MemoryRateLimiter,
  type Demand,
  type RateLimiter,
  type SlotAnswer,
} from '../cluster/shared-rate-limiter.js';
import {
  EARLY_MS,
  LATE_ANSWER_MS,
  PacedXAssistBudget,
  XAssistBudgetClosedError,
  XAssistRequestAbandonedError,
} from './xassist-budget.js';

describe('PacedXAssistBudget on the fake clock', () => {
  it('grants the first at once and never two closer than 1050 / B ms, less EARLY_MS', async () => {
    const { clock, grants, ask, intervalMs } = aBudget(20);
    const start = clock.now();
    for (let i = 0; i < 30; i++) void ask(`r${i}`, { priority: 'ringing' });
    await clock.advance(0);
    expect(grants).toEqual([{ name: 'r0', at: start }]);
    await clock.advance(2_000);
    expect(grants).toHaveLength(30);
    for (const gap of gapsOf(grants)) expect(gap).toBeGreaterThanOrEqual(intervalMs - EARLY_MS);
    expect(Math.max(...gapsOf(grants))).toBeLessThan(intervalMs + 1); // and no slower
    // Early by the allowance at most, never drifting: the 30th slot is due 29 intervals on.
    expect(grants[29].at - start).toBeGreaterThanOrEqual(29 * intervalMs - EARLY_MS);
  });

  it('serves creates, then ringing, then connected, then background polls', async () => {
    const { clock, grants, ask } = aBudget(20);
    const now = clock.now();
    void ask('background', { priority: 'background' });
    void ask('connected', { priority: 'connected', since: now - 5_000, slowestMs: 15_000 });
    void ask('ringing', { priority: 'ringing', since: now - 250, slowestMs: 1_000 });
    void ask('create', { priority: 'create' });
    await clock.advance(1_000);
    expect(names(grants)).toEqual(['create', 'ringing', 'connected', 'background']);
  });

  it('lets a burst of creates go first, first come first served, each in its own slot', async () => {
    const { clock, grants, ask, intervalMs } = aBudget(20);
    for (let i = 0; i < 10; i++)
      void ask(`ringing${i}`, { priority: 'ringing', since: clock.now(), slowestMs: 60_000 });
    await clock.advance(0); // ringing0 has the first slot
    for (let i = 0; i < 25; i++) void ask(`create${i}`, { priority: 'create' });
    await clock.advance(3_000);
    expect(names(grants)).toEqual([
      'ringing0',
      ...Array.from({ length: 25 }, (_, i) => `create${i}`),
      ...Array.from({ length: 9 }, (_, i) => `ringing${i + 1}`),
    ]);
    for (const gap of gapsOf(grants)) expect(gap).toBeGreaterThanOrEqual(intervalMs - EARLY_MS);
  });

  it('holds B in every sliding second, across second boundaries, for uneven arrivals', async () => {
    const { clock, grants, ask } = aBudget(20, Date.parse('2026-11-23T12:00:00.990Z'));
    const gapsMs = [0, 0, 5, 400, 3, 0, 610, 1, 1, 980, 0, 0, 0, 20, 300, 999, 2, 0, 0, 500];
    for (const [i, gapMs] of gapsMs.entries()) {
      await clock.advance(gapMs);
      for (let n = 0; n < 1 + (i % 4); n++) void ask(`r${i}.${n}`, { priority: 'ringing' });
    }
    await clock.advance(5_000);
    expect(grants.length).toBe(gapsMs.reduce((sum, _, i) => sum + 1 + (i % 4), 0));
    expect(
      busiestWindow(
        grants.map((grant) => grant.at),
        1_000,
      ),
    ).toBeLessThanOrEqual(20);
  });

  it('keeps a budget above 1,000 a second, on a clock of whole milliseconds, within B', async () => {
    const { clock, grants, ask } = aBudget(3_000);
    for (let i = 0; i < 4_000; i++) void ask(`r${i}`, { priority: 'ringing' });
    await clock.advance(1_000);
    expect(grants.length).toBeGreaterThanOrEqual(2_800);
    expect(
      busiestWindow(
        grants.map((grant) => grant.at),
        1_000,
      ),
    ).toBeLessThanOrEqual(3_000);
  });

  it('skips waiters that cannot start now, and spends no slot while nobody could', async () => {
    const { clock, grants, ask, tryTake, intervalMs } = aBudget(20);
    let createReady = false;
    void ask('create', { priority: 'create' }, () => createReady);
    void ask('ringing', { priority: 'ringing' });
    await clock.advance(200);
    expect(names(grants)).toEqual(['ringing']);
    const asked = tryTake.mock.calls.length;
    await clock.advance(500);
    expect(tryTake.mock.calls.length).toBe(asked); // looked every interval, asked the limiter never
    createReady = true;
    const readyAt = clock.now();
    await clock.advance(intervalMs);
    expect(grants[1]).toEqual({ name: 'create', at: expect.any(Number) });
    expect(grants[1].at - readyAt).toBeLessThanOrEqual(intervalMs);
    // A new ready waiter does not wait for the next look.
    void ask('later', { priority: 'background' });
    await clock.advance(intervalMs);
    expect(names(grants)).toEqual(['ringing', 'create', 'later']);
  });

  it('refuses the waiting requests on close without sending them, and any later one', async () => {
    const { clock, budget, grants, ask } = aBudget(1);
    const first = ask('first', { priority: 'create' });
    const waiting = [ask('second', { priority: 'create' }), ask('third', { priority: 'ringing' })];
    await clock.advance(0);
    expect(budget.state().waiting).toEqual({ create: 1, ringing: 1, connected: 0, background: 0 });
    budget.close();
    await expect(first).resolves.toBe('first');
    for (const refused of waiting) await expect(refused).rejects.toThrow(XAssistBudgetClosedError);
    await expect(ask('after', { priority: 'create' })).rejects.toThrow(XAssistBudgetClosedError);
    await clock.advance(10_000);
    expect(names(grants)).toEqual(['first']);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('two budgets on one limiter (two instances on one Redis), on the fake clock', () => {
  it('share the slots about evenly when both always have requests waiting', async () => {
    const clock = new FakeClock();
    const limiter = new MemoryRateLimiter(clock);
    const { logger } = capturedLogger();
    const granted = { a: 0, b: 0 };
    const instance = (name: 'a' | 'b') => {
      const budget = new PacedXAssistBudget(100, limiter, clock, logger);
      const keepAsking = (): void => {
        budget
          .spend({ claim: { priority: 'ringing' } }, () => {
            granted[name]++;
            keepAsking();
            return Promise.resolve();
          })
          .catch(() => undefined); // refused by close() at the end
      };
      for (let i = 0; i < 5; i++) keepAsking();
      return budget;
    };
    const budgets = [instance('a'), instance('b')];
    await clock.advance(10_000);
    for (const budget of budgets) budget.close();
    const total = granted.a + granted.b;
    expect(total).toBeGreaterThan(900); // the whole budget is still used: 95 a second
    expect(Math.min(granted.a, granted.b) / total).toBeGreaterThan(0.4);
  });
});

/** A limiter whose answer arrives `answerAfterMs()` after it decided the slot. */
function slowLimiter(
  clock: FakeClock,
  sharedAcrossInstances: boolean,
  answerAfterMs: () => number,
): RateLimiter {
  const memory = new MemoryRateLimiter(clock);
  return Object.assign(Object.create(MemoryRateLimiter.prototype), {
    sharedAcrossInstances,
    tryTake: (key: string, rate: number, burst?: number, demand?: Demand) => {
      const answer = memory.tryTakeNow(key, rate, burst, demand);
      return new Promise<SlotAnswer>((resolve) =>
        clock.setTimeout(() => resolve(answer), answerAfterMs()),
      );
    },
  }) as RateLimiter;
}

describe('a slot answered late', () => {
  it('goes unused when other instances share the limiter, and the request waits for a slot answered in time', async () => {
    const clock = new FakeClock();
    let answerAfterMs = 0;
    const slowRedis = slowLimiter(clock, true, () => answerAfterMs);
    const { logger } = capturedLogger();
    const budget = new PacedXAssistBudget(20, slowRedis, clock, logger);
    const sent: number[] = [];
    answerAfterMs = LATE_ANSWER_MS + 5;
    const request = budget.spend({ claim: { priority: 'create' } }, () => {
      sent.push(clock.now());
      return Promise.resolve();
    });
    await clock.advance(200);
    expect(sent).toEqual([]); // every answer came late: nothing went out
    answerAfterMs = 1;
    await clock.advance(200);
    await request;
    expect(sent).toHaveLength(1);
    budget.close();
  });

  it('is used by an instance alone, whose next slot is asked for only after it: late, it bunches nothing', async () => {
    const clock = new FakeClock();
    // Answers as late as a long task of the event loop makes a local limiter's.
    const budget = new PacedXAssistBudget(
      20,
      slowLimiter(clock, false, () => LATE_ANSWER_MS + 5),
      clock,
      capturedLogger().logger,
    );
    const sent: number[] = [];
    const requests = Array.from({ length: 10 }, () =>
      budget.spend({ claim: { priority: 'create' } }, () => {
        sent.push(clock.now());
        return Promise.resolve();
      }),
    );
    await clock.advance(2_000);
    await Promise.all(requests);
    expect(sent).toHaveLength(10);
    for (let i = 1; i < sent.length; i++)
      expect(sent[i] - sent[i - 1]).toBeGreaterThanOrEqual(1050 / 20 - EARLY_MS);
    budget.close();
  });
});

describe('a request its caller abandoned (the call is no longer followed here)', () => {
  it('leaves the budget at once, is never sent, and the next waiter has its slot', async () => {
    const { clock, budget, grants, ask, intervalMs } = aBudget(1);
    const start = clock.now();
    const unfollowed = new AbortController();
    void ask('first', { priority: 'create' });
    let refusal: unknown;
    ask('abandoned', { priority: 'ringing' }, undefined, unfollowed.signal).catch(
      (error: unknown) => (refusal = error),
    );
    void ask('next', { priority: 'ringing' });
    await clock.advance(0);
    unfollowed.abort();
    await clock.advance(0);
    expect(refusal).toBeInstanceOf(XAssistRequestAbandonedError);
    expect(budget.state().waiting.ringing).toBe(1);
    await clock.advance(10_000);
    expect(names(grants)).toEqual(['first', 'next']);
    expect(grants[1].at - start).toBeLessThanOrEqual(intervalMs); // the slot it would have had
    budget.close();
  });

  it('is refused without queueing when abandoned before it asked', async () => {
    const { clock, budget, grants, ask, tryTake } = aBudget(1);
    const refused = ask('abandoned', { priority: 'ringing' }, undefined, AbortSignal.abort());
    expect(budget.state().waiting.ringing).toBe(0);
    await expect(refused).rejects.toThrow(XAssistRequestAbandonedError);
    await clock.advance(10_000);
    expect(grants).toEqual([]);
    expect(tryTake).not.toHaveBeenCalled();
  });

  it('stops listening to the signal once granted or refused (one signal serves many polls)', async () => {
    const { clock, budget, ask } = aBudget(1);
    const { signal } = new AbortController();
    await ask('granted', { priority: 'ringing' }, undefined, signal);
    const refused = ask('refused', { priority: 'ringing' }, undefined, signal);
    await clock.advance(0);
    budget.close();
    await expect(refused).rejects.toThrow(XAssistBudgetClosedError);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});
