import { FakeClock } from '../../test/support/fake-clock.js';
import { onTokenExpiry } from './session-expiry.js';

describe('onTokenExpiry', () => {
  it('fires at exp, not before, also beyond the longest single timer', async () => {
    const clock = new FakeClock();
    const forty = 40 * 24 * 3600 * 1000;
    let expired = 0;
    onTokenExpiry(clock, new Date(clock.now() + forty), () => expired++);
    // Node fires a longer timeout at once, so no single timer may wait longer.
    expect(clock.nextTimerAt! - clock.now()).toBeLessThanOrEqual(2 ** 31 - 1);
    await clock.advance(forty - 1);
    expect(expired).toBe(0);
    await clock.advance(1);
    expect(expired).toBe(1);
  });

  it('fires at once for a token already past exp, and never once cancelled', async () => {
    const clock = new FakeClock();
    let expired = 0;
    onTokenExpiry(clock, new Date(clock.now() - 1), () => expired++);
    expect(expired).toBe(1);
    const timer = onTokenExpiry(clock, new Date(clock.now() + 1000), () => expired++);
    timer.cancel();
    await clock.advance(5000);
    expect(expired).toBe(1);
  });

  it.each([
    ['an Invalid Date', new Date(NaN)],
    ['a date beyond any timer', new Date(8.64e15)],
  ])('never spins on %s: ends the session or waits in bounded steps', async (_what, expiresAt) => {
    const clock = new FakeClock();
    let expired = 0;
    onTokenExpiry(clock, expiresAt, () => expired++);
    if (Number.isNaN(expiresAt.getTime())) {
      // No usable exp: the session ends at once rather than arming a timer that never fires.
      expect(expired).toBe(1);
      expect(clock.nextTimerAt).toBeUndefined();
      return;
    }
    const wait = clock.nextTimerAt! - clock.now();
    expect(wait).toBeGreaterThan(1000);
    expect(wait).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(expired).toBe(0);
  });
});
