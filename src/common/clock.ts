/** What a timer started on a Clock returns; only that clock can cancel it. */
export type TimerHandle = { readonly clockTimer: unknown };

/**
 * Time as the broker sees it: the current instant and one-shot timers. Injected (an abstract
 * class, so it is its own DI token) so that scheduling and deadlines can be unit-tested with a
 * fake clock instead of real waits.
 */
export abstract class Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  abstract now(): number;
  /** Runs `callback` once, `delayMs` from now (0 or less: as soon as possible). */
  abstract setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer; a fired, cancelled or missing one is ignored. */
  abstract clearTimeout(handle: TimerHandle | undefined): void;

  /** The current instant as the ISO-8601 UTC text the broker stores. */
  isoNow(): string {
    return new Date(this.now()).toISOString();
  }
}

/** The real clock: Date.now and Node's timers. */
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return { clockTimer: setTimeout(callback, Math.max(0, delayMs)) };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) clearTimeout(handle.clockTimer as NodeJS.Timeout);
  }
}
