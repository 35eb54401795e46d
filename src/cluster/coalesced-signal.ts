import type { Clock, TimerHandle } from '../common/clock.js';
import type { ClusterSignalMap, ClusterSignalName, ClusterSignals } from './cluster-signals.js';

/**
 * Publishes a payload-less wake-up at most once every `everyMs`: a burst of commits is one
 * wake-up elsewhere, sent at once when the last one is old enough, else once at the end of the
 * current period (never dropped: what was committed meanwhile is still news there).
 */
export class CoalescedSignal<K extends ClusterSignalName> {
  private timer?: TimerHandle;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly signals: ClusterSignals,
    private readonly clock: Clock,
    private readonly topic: K,
    private readonly payload: ClusterSignalMap[K],
    private readonly everyMs: number,
  ) {}

  tell(): void {
    if (this.timer) return;
    const wait = this.lastAt + this.everyMs - this.clock.now();
    if (wait <= 0) return this.publish();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.publish();
    }, wait);
  }

  /** Drops the wake-up due at the end of the current period, if any (the sender is stopping). */
  cancel(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private publish(): void {
    this.lastAt = this.clock.now();
    this.signals.publish(this.topic, this.payload);
  }
}
