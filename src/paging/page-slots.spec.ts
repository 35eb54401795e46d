import { pageSlots } from './page-slots.js';

/** Issue 18 item 7: one caller's pages on one channel, at most `limit` in any window. */
const MINUTE = 60_000;
const budget = { limit: 5, windowMs: MINUTE };

describe('pageSlots', () => {
  it('sends at once while the caller has room in the window', () => {
    expect(pageSlots([], 3, 1000, budget)).toEqual([1000, 1000, 1000]);
    expect(pageSlots([0, 10, 20, 30], 1, 1000, budget)).toEqual([1000]);
  });

  it('defers what is over the limit to when the window has room again, never dropping it', () => {
    // 12 pages at once: 5 now, 5 a window later, 2 two windows later.
    const slots = pageSlots([], 12, 0, budget);
    expect(slots).toEqual([
      0,
      0,
      0,
      0,
      0,
      MINUTE,
      MINUTE,
      MINUTE,
      MINUTE,
      MINUTE,
      2 * MINUTE,
      2 * MINUTE,
    ]);
    // Pages already scheduled count, whatever their order; those older than the window do not.
    expect(pageSlots([500, 100, 400, 200, 300], 2, 1000, budget)).toEqual([
      100 + MINUTE,
      200 + MINUTE,
    ]);
    expect(pageSlots([-MINUTE, -MINUTE, -MINUTE, -MINUTE, -MINUTE], 1, 0, budget)).toEqual([0]);
  });

  it('no window of the given length ever holds more than the limit', () => {
    const earlier = [0, 7_000, 7_000, 30_000, 59_000, 61_000];
    const all = [...earlier, ...pageSlots(earlier, 20, 61_500, budget)].sort((a, b) => a - b);
    for (const start of all) {
      const inWindow = all.filter((at) => at >= start && at < start + MINUTE);
      expect(inWindow.length).toBeLessThanOrEqual(budget.limit);
    }
  });
});
