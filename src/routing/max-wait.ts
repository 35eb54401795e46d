import { Injectable } from '@nestjs/common';
import { CallChange } from '../calls/call-change.js';
import { CallLedger } from '../calls/call-ledger.service.js';
import { CallRepository, StaleCallError, type QueuedSummary } from '../calls/call.repository.js';
import type { Queue } from '../directory/queue.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { callbackOr } from './callback-rules.js';
import { maxWaitReached } from './routing-rules.js';

/**
 * A request that waited `maxWaitSeconds` (or whose queue is gone) ends `unanswered`, or becomes
 * a callback where its queue sets `callbackOnUnanswered`.
 */
@Injectable()
export class MaxWait {
  constructor(
    private readonly calls: CallRepository,
    private readonly ledger: CallLedger,
    private readonly metrics: MetricsService,
  ) {}

  /** Whether the request is past its wait (ended now, or by another writer first). */
  async endIfDue(
    summary: QueuedSummary,
    queue: Queue | undefined,
    nowMs: number,
  ): Promise<boolean> {
    if (queue && !maxWaitReached(queue, Date.parse(summary.queuedAt), nowMs)) return false;
    const call = await this.calls.find(summary.id);
    if (call?.status !== 'queued') return true;
    const change = new CallChange(call, new Date(nowMs).toISOString());
    const outcome = callbackOr(queue, 'unanswered');
    change.transition(outcome);
    try {
      await this.ledger.record(change);
    } catch (error) {
      if (error instanceof StaleCallError) return true; // the next tick looks again
      throw error;
    }
    if (outcome === 'unanswered') this.metrics.queuedUnanswered.inc({ queue: summary.queueId });
    return true;
  }
}
