import { retryDelayMs, retrySpanMs } from './retry-schedule.js';

const schedule = { maxAttempts: 18, retryBaseMs: 5_000, retryMaxMs: 14_400_000 };

describe('retryDelayMs', () => {
  it('doubles from the base up to the max, and stops after the last attempt', () => {
    const middle = () => 0.5;
    expect(retryDelayMs(schedule, 1, 0, middle)).toBe(5_000);
    expect(retryDelayMs(schedule, 2, 0, middle)).toBe(10_000);
    expect(retryDelayMs(schedule, 13, 0, middle)).toBe(14_400_000);
    expect(retryDelayMs(schedule, 18, 0, middle)).toBeUndefined();
  });

  it('spans about a day with the defaults', () => {
    let total = 0;
    for (let attempt = 1; attempt < schedule.maxAttempts; attempt++)
      total += retryDelayMs(schedule, attempt, 0, () => 0.5)!;
    expect(total / 3_600_000).toBeGreaterThan(20);
    expect(total / 3_600_000).toBeLessThan(30);
  });

  it('jitters by at most a fifth either way', () => {
    expect(retryDelayMs(schedule, 1, 0, () => 0)).toBe(4_000);
    expect(retryDelayMs(schedule, 1, 0, () => 1)).toBe(6_000);
  });

  it("is never sooner than the receiver's Retry-After, capped at a day", () => {
    expect(retryDelayMs(schedule, 1, 120_000, () => 0.5)).toBe(120_000);
    expect(retryDelayMs(schedule, 1, 10 * 86_400_000, () => 0.5)).toBe(86_400_000);
  });
});

describe('retrySpanMs', () => {
  it('is the schedule with every delay at the top of its jitter: about 31 h with the defaults', () => {
    // 5 s doubling twelve times (20,475 s), then five times the 4 h cap; a fifth more.
    expect(retrySpanMs(schedule)).toBe(110_970_000);
    let longest = 0;
    for (let attempt = 1; attempt < schedule.maxAttempts; attempt++)
      longest += retryDelayMs(schedule, attempt, 0, () => 0.999_999)!;
    expect(longest).toBeLessThanOrEqual(retrySpanMs(schedule));
  });

  it('is nothing for a single attempt', () => {
    expect(retrySpanMs({ ...schedule, maxAttempts: 1 })).toBe(0);
  });
});
