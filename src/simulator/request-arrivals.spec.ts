import { busiestWindow, RequestArrivals } from './request-arrivals.js';

/** Arrivals recorded at the given times (ms since 0) on a clock the test moves. */
function arrivalsAt(times: number[]): { arrivals: RequestArrivals; at: (ms: number) => void } {
  let now = 0;
  const arrivals = new RequestArrivals(() => now);
  const at = (ms: number) => {
    now = ms;
  };
  for (const time of times) {
    at(time);
    arrivals.record();
  }
  return { arrivals, at };
}

describe('RequestArrivals', () => {
  it('counts the busiest sliding window, not the busiest aligned second', () => {
    // 3 in the second from 0, 3 in the second from 1000, but 5 between 600 and 1599.
    const { arrivals } = arrivalsAt([100, 600, 900, 1000, 1300, 1599, 1900]);
    expect(arrivals.rate(0, 2000)).toEqual(
      expect.objectContaining({ count: 7, maxInWindow: 5, busiestAt: 600, windowMs: 1000 }),
    );
  });

  it('keeps two arrivals exactly one window apart in different windows', () => {
    const { arrivals } = arrivalsAt([0, 1000, 2000, 3000]);
    expect(arrivals.rate(0, 3000).maxInWindow).toBe(1);
    expect(arrivals.rate(0, 3000, 1001).maxInWindow).toBe(2);
  });

  it('counts only arrivals from `since` to `until`', () => {
    const { arrivals } = arrivalsAt([10, 20, 30, 500, 510, 2000]);
    expect(arrivals.rate(100, 1000)).toEqual(
      expect.objectContaining({ count: 2, maxInWindow: 2, busiestAt: 500 }),
    );
    expect(arrivals.rate(0, 30).count).toBe(3);
  });

  it('reads `until` from the clock by default and answers zero without requests', () => {
    const { arrivals, at } = arrivalsAt([]);
    at(5000);
    expect(arrivals.rate(1000)).toEqual({
      count: 0,
      maxInWindow: 0,
      busiestAt: null,
      windowMs: 1000,
      since: 1000,
      until: 5000,
    });
  });

  it('finds the busiest window when the clock stepped back between arrivals', () => {
    const { arrivals } = arrivalsAt([5000, 5100, 4000, 4950, 4900]);
    expect(arrivals.rate(0, 6000)).toEqual(
      expect.objectContaining({ count: 5, maxInWindow: 4, busiestAt: 4900 }),
    );
  });
});

describe('busiestWindow', () => {
  it('counts instants in half-open windows [t, t + windowMs), given in any order', () => {
    expect(busiestWindow([2000, 0, 998, 1000, 1997], 1000)).toEqual({ most: 3, at: 998 });
    expect(busiestWindow([0, 1000], 1000)).toEqual({ most: 1, at: 0 });
    expect(busiestWindow([], 1000)).toEqual({ most: 0, at: null });
  });
});
