import type { Clock, TimerHandle } from '../common/clock.js';

/** Node's timers fire at once beyond this (2^31-1 ms, about 24.8 days): longer waits are chained. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `expire` when the token behind a socket reaches its `exp`; `cancel()` when the socket goes
 * away first. A token valid for longer than one timer can wait re-arms until it is due. An
 * unusable expiry (Invalid Date) ends the session at once: a NaN delay would make Node run a
 * 1 ms timer that re-arms forever and never disconnects.
 */
export function onTokenExpiry(
  clock: Clock,
  expiresAt: Date,
  expire: () => void,
): { cancel(): void } {
  let handle: TimerHandle | undefined;
  const arm = () => {
    const left = expiresAt.getTime() - clock.now();
    if (!(left > 0)) return expire();
    handle = clock.setTimeout(arm, Math.min(left, LONGEST_TIMER_MS));
  };
  arm();
  return { cancel: () => clock.clearTimeout(handle) };
}
