import type { Logger } from 'pino';
import { OutboxStore } from './kysely-outbox.store.js';
import { OutboxMetrics } from './outbox-metrics.js';
import type { OutboxSender } from './outbox-sender.js';
import type { AttemptOutcome, Delivery } from './outbox.model.js';
import { retryDelayMs } from './retry-schedule.js';

/**
 * Writes what became of a claimed row: delivered, pending again after its kind's backoff, or dead
 * (`failed`): after its last attempt, refused for good, or gone. Every write holds only while the
 * claim is this one's.
 */
export class OutboxSettlement {
  constructor(
    private readonly store: OutboxStore,
    private readonly metrics: OutboxMetrics,
    private readonly logger: Logger,
  ) {}

  /** The outcome of an attempt, settled at `now`. */
  async record(
    row: Delivery,
    token: string,
    outcome: AttemptOutcome,
    sender: OutboxSender | undefined,
    now: number,
  ): Promise<void> {
    const attempts = row.attempts + 1;
    if (outcome.status === 'sent') {
      this.metrics.attempts.inc({ outcome: 'delivered' });
      this.metrics.delay.observe((now - Date.parse(row.createdAt)) / 1000);
      await this.store.settle(row.id, token, {
        status: 'delivered',
        attempts,
        lastError: null,
        deliveredAt: new Date(now).toISOString(),
        payload: sender?.wipe?.(row.payload),
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
    this.metrics.attempts.inc({ outcome: 'retry' });
    await this.store.settle(row.id, token, {
      status: 'pending',
      attempts,
      nextAttemptAt: new Date(now + delay).toISOString(),
      lastError: outcome.reason,
    });
  }

  /** A dead row: `failed` with its reason, its payload wiped of secrets. */
  private async dead(
    row: Delivery,
    token: string,
    sender: OutboxSender | undefined,
    outcome: 'failed' | 'gone',
    { attempts, reason }: { attempts: number; reason: string },
  ): Promise<void> {
    this.metrics.attempts.inc({ outcome });
    this.logger.warn(
      { deliveryId: row.id, destinationId: row.destinationId, reason },
      'outbox delivery failed',
    );
    await this.store.settle(row.id, token, {
      status: 'failed',
      attempts,
      lastError: reason,
      payload: sender?.wipe?.(row.payload),
    });
  }
}
