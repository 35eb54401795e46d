import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../common/clock.js';
import type { RequestPriority } from './xassist-client.port.js';

/** The periods are the mean over the polls granted this long ago at most. */
export const PERIOD_WINDOW_MS = 10_000;

type PolledPriority = 'ringing' | 'connected';

/** One slot granted, as the watch sees it. */
export interface Granted {
  priority: RequestPriority;
  since: number;
  slowestMs?: number;
  /** A retry's wait includes the failed attempt and the backoff: it says nothing of the cadence. */
  retry: boolean;
  /** A first poll waited since the call was followed, not since a previous poll. */
  firstPoll?: boolean;
  /** When the request came to the budget (Clock ms). */
  askedAt: number;
}

interface Sample {
  at: number;
  ms: number;
}

/**
 * What the grants say about the budget: the current period of ringing and connected polls (the
 * time from a call's last poll to the grant of its next), and whether polls are stretched, that
 * is granted later than their slowest cadence because the budget does not fit every call.
 *
 * Stretching is said once when it starts (warn) and once when it ends (info), never per poll:
 * it ends when no poll was overdue for as long as the longest slowest cadence seen plus one slot
 * of the budget, so that a connected cadence of 15 s has had the time to come round without being
 * late. (Without the slot, a budget too small for even one call, its polls one slot apart and each
 * a little overdue, would end and start again between every two polls.)
 */
export class BudgetWatch {
  private readonly samples: Record<PolledPriority, Sample[]> = { ringing: [], connected: [] };
  private longestSlowestMs = 0;
  private stretchEndsAt?: number;
  private endTimer?: TimerHandle;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly perSecond: number,
    /** The time between two slots of the budget. */
    private readonly slotMs: number,
  ) {}

  granted(grant: Granted, now: number): void {
    if (
      grant.retry ||
      grant.firstPoll ||
      (grant.priority !== 'ringing' && grant.priority !== 'connected')
    )
      return;
    const waitedMs = now - grant.since;
    const samples = this.samples[grant.priority];
    samples.push({ at: now, ms: waitedMs });
    // Forgotten here too, not only when read: nobody may scrape /metrics or ask /readyz.
    while (samples[0].at < now - PERIOD_WINDOW_MS) samples.shift();
    if (grant.slowestMs === undefined) return;
    this.longestSlowestMs = Math.max(this.longestSlowestMs, grant.slowestMs);
    // Stretched by the budget only if it was not overdue already when it asked: a poll whose
    // previous answer was slow (or retried) asks late, and that is not the budget's doing.
    const overdueWhenAsked = grant.askedAt - grant.since > grant.slowestMs;
    if (waitedMs > grant.slowestMs && !overdueWhenAsked)
      this.overdue(now, grant.priority, waitedMs, grant.slowestMs);
  }

  get stretched(): boolean {
    return this.stretchEndsAt !== undefined;
  }

  /** The mean period of each priority over the last PERIOD_WINDOW_MS (unset: no poll then). */
  periodsMs(): { ringing?: number; connected?: number } {
    const from = this.clock.now() - PERIOD_WINDOW_MS;
    const periods: { ringing?: number; connected?: number } = {};
    for (const priority of ['ringing', 'connected'] as const) {
      const samples = this.samples[priority];
      const stale = samples.findIndex((sample) => sample.at >= from);
      samples.splice(0, stale === -1 ? samples.length : stale);
      if (samples.length > 0)
        periods[priority] = Math.round(
          samples.reduce((sum, sample) => sum + sample.ms, 0) / samples.length,
        );
    }
    return periods;
  }

  close(): void {
    this.clock.clearTimeout(this.endTimer);
    this.endTimer = undefined;
  }

  private overdue(now: number, priority: PolledPriority, waitedMs: number, slowestMs: number) {
    if (this.stretchEndsAt === undefined)
      this.logger.warn(
        { perSecond: this.perSecond, priority, waitedMs, slowestMs },
        'the xAssist request budget does not fit every followed call: polls are stretched past their slowest cadence (XASSIST_MAX_REQUESTS_PER_SECOND)',
      );
    const quietMs = this.longestSlowestMs + this.slotMs;
    this.stretchEndsAt = now + quietMs;
    this.endTimer ??= this.clock.setTimeout(() => this.maybeEnd(), quietMs);
  }

  private maybeEnd(): void {
    this.endTimer = undefined;
    const endsAt = this.stretchEndsAt;
    if (endsAt === undefined) return;
    const now = this.clock.now();
    if (now < endsAt) {
      this.endTimer = this.clock.setTimeout(() => this.maybeEnd(), endsAt - now);
      return;
    }
    this.stretchEndsAt = undefined;
    this.logger.info(
      { perSecond: this.perSecond, periodsMs: this.periodsMs() },
      'the xAssist request budget fits every followed call again: polls are no longer stretched',
    );
  }
}
