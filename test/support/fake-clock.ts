import { Clock, type TimerHandle } from '../../src/common/clock.js';

interface FakeTimer {
  at: number;
  order: number;
  callback: () => void;
}

/** Lets promise callbacks and I/O already under way run, so work a timer started can finish. */
async function settle(): Promise<void> {
  for (let round = 0; round < 5; round++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A Clock for unit tests: time stands still until the test moves it, and timers fire in time
 * order (ties in the order they were set) with async work allowed to settle after each.
 */
export class FakeClock extends Clock {
  private current: number;
  private readonly timers = new Map<TimerHandle, FakeTimer>();
  private nextOrder = 0;

  constructor(start = Date.parse('2026-11-23T12:00:00.000Z')) {
    super();
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const handle: TimerHandle = { clockTimer: this.nextOrder };
    this.timers.set(handle, {
      at: this.current + Math.max(0, delayMs),
      order: this.nextOrder++,
      callback,
    });
    return handle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.timers.delete(handle);
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * Resolves once `count` timers wait, letting async work run meanwhile (no time passes): for a
   * test to move time only after the code under test set the timer it means to fire.
   */
  async untilPending(count: number): Promise<void> {
    for (let round = 0; this.timers.size < count; round++) {
      if (round === 1_000) throw new Error(`no ${count} timers were set (${this.timers.size} are)`);
      await settle();
    }
  }

  /** When the next timer fires, or undefined when none is set. */
  get nextTimerAt(): number | undefined {
    return this.next()?.[1].at;
  }

  /**
   * The wall clock steps by `ms` (back when negative), as NTP may set it: now() jumps, while the
   * timers still fire after the delays they were set with, as Node's do.
   */
  stepWallClock(ms: number): void {
    this.current += ms;
    for (const timer of this.timers.values()) timer.at += ms;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const until = this.current + ms;
    await settle();
    for (let due = this.next(); due && due[1].at <= until; due = this.next()) {
      const [handle, timer] = due;
      this.timers.delete(handle);
      this.current = Math.max(this.current, timer.at);
      timer.callback();
      await settle();
    }
    this.current = until;
  }

  private next(): [TimerHandle, FakeTimer] | undefined {
    let best: [TimerHandle, FakeTimer] | undefined;
    for (const entry of this.timers) {
      const [, timer] = entry;
      if (
        !best ||
        timer.at < best[1].at ||
        (timer.at === best[1].at && timer.order < best[1].order)
      )
        best = entry;
    }
    return best;
  }
}
