import type { Logger } from 'pino';
import { OutboxStore } from './kysely-outbox.store.js';
import { OutboxMetrics } from './outbox-metrics.js';
import type { OutboxPolicy, OutboxSender } from './outbox-sender.js';
import type { AttemptOutcome, Delivery } from './outbox.model.js';
import { retryDelayMs } from './retry-schedule.js';

/** When a row stops being worth sending, and what to call that in its `lastError`. */
interface Deadline {
  at: number;
  what: string;
}

function duration(ms: number): string {
  if (ms >= 3_600_000) return `${Number((ms / 3_600_000).toFixed(1))} h`;
  if (ms >= 60_000) return `${Number((ms / 60_000).toFixed(1))} min`;
  return `${Number((ms / 1_000).toFixed(1))} s`;
}

/**
 * The sooner of the row's own deadline and its kind's time to live, counted from its first
 * attempt (`firstAttemptAt`: ms since the epoch).
 */
export function deadlineOf(row: Delivery, policy: OutboxPolicy, firstAttemptAt: number): Deadline {
  const own = row.expiresAt ? Date.parse(row.expiresAt) : Number.POSITIVE_INFINITY;
  const lived = firstAttemptAt + policy.ttlMs;
  if (own <= lived) return { at: own, what: `its deadline (${row.expiresAt})` };
  return { at: lived, what: `its time to live (${duration(policy.ttlMs)} from its first attempt)` };
}

/**
 * Writes what became of a claimed row: delivered, pending again after its kind's backoff, or dead
 * (`failed`): after its last attempt, refused for good, gone, or expired (its deadline or time
 * to live would pass before the next attempt). Every write holds only while the claim is this one's.
 */
export class OutboxSettlement {
  constructor(
    private readonly store: OutboxStore,
    private readonly metrics: OutboxMetrics,
    private readonly logger: Logger,
  ) {}

  /**
   * Before an attempt starting at `now`: a row already past its deadline is settled dead without
   * being sent. True when it was.
   */
  async expireIfDue(
    row: Delivery,
    token: string,
    sender: OutboxSender,
    now: number,
  ): Promise<boolean> {
    const first = row.firstAttemptAt ? Date.parse(row.firstAttemptAt) : now;
    const deadline = deadlineOf(row, sender.policy, first);
    if (now < deadline.at) return false;
    await this.dead(row, token, sender, 'expired', {
      attempts: row.attempts,
      reason: `expired: ${deadline.what} passed before attempt ${row.attempts + 1}`,
    });
    return true;
  }

  /** The outcome of the attempt that started at `startedAt`, settled at `now`. */
  async record(
    row: Delivery,
    token: string,
    outcome: AttemptOutcome,
    sender: OutboxSender | undefined,
    times: { startedAt: number; now: number },
  ): Promise<void> {
    const attempts = row.attempts + 1;
    const { now } = times;
    const firstAttemptAt = row.firstAttemptAt ?? new Date(times.startedAt).toISOString();
    if (outcome.status === 'sent') {
      this.metrics.attempts.inc({ outcome: 'delivered' });
      this.metrics.delay.observe((now - Date.parse(row.createdAt)) / 1000);
      await this.store.settle(row.id, token, {
        status: 'delivered',
        attempts,
        lastError: null,
        deliveredAt: new Date(now).toISOString(),
        payload: sender?.wipe?.(row.payload),
        firstAttemptAt,
      });
      return;
    }
    if (outcome.status !== 'retry' || !sender) {
      const dead = outcome.status === 'gone' ? 'gone' : 'failed';
      await this.dead(row, token, sender, dead, { attempts, reason: outcome.reason });
      if (outcome.status === 'gone' && sender) await sender.gone(row.destinationId, outcome.reason);
      return;
    }
    const delay = retryDelayMs(sender.policy.retry, attempts, outcome.afterMs);
    if (delay === undefined) {
      const reason = `gave up after ${attempts} attempts: ${outcome.reason}`;
      await this.dead(row, token, sender, 'failed', { attempts, reason });
      return;
    }
    const deadline = deadlineOf(row, sender.policy, Date.parse(firstAttemptAt));
    if (now + delay >= deadline.at) {
      const reason = `expired after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${deadline.what} ends before the next one; last: ${outcome.reason}`;
      await this.dead(row, token, sender, 'expired', { attempts, reason });
      return;
    }
    this.metrics.attempts.inc({ outcome: 'retry' });
    await this.store.settle(row.id, token, {
      status: 'pending',
      attempts,
      nextAttemptAt: new Date(now + delay).toISOString(),
      lastError: outcome.reason,
      firstAttemptAt,
    });
  }

  /** A dead row: `failed` with its reason, its payload wiped of secrets. */
  private async dead(
    row: Delivery,
    token: string,
    sender: OutboxSender | undefined,
    outcome: 'failed' | 'gone' | 'expired',
    { attempts, reason }: { attempts: number; reason: string },
  ): Promise<void> {
    this.metrics.attempts.inc({ outcome });
    this.logger.warn(
      { deliveryId: row.id, destinationId: row.destinationId, reason },
      outcome === 'expired' ? 'outbox delivery expired' : 'outbox delivery failed',
    );
    await this.store.settle(row.id, token, {
      status: 'failed',
      attempts,
      lastError: reason,
      payload: sender?.wipe?.(row.payload),
    });
  }
}
