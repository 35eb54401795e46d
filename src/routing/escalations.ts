import { Injectable } from '@nestjs/common';
import { CallChange } from '../calls/call-change.js';
import { CallLedger } from '../calls/call-ledger.service.js';
import { CallRepository, StaleCallError, type QueuedSummary } from '../calls/call.repository.js';
import { QueuePlacements } from '../calls/queue-placements.js';
import type { Queue } from '../directory/queue.js';
import { brokerEvent } from '../events/broker-events.js';
import { EventBus } from '../events/event-bus.js';
import { dueEscalationSteps } from './routing-rules.js';
import './routing-facts.js';

/**
 * Due escalation steps of a waiting request run once each: recorded in the call's log (a
 * `routing.escalated` event, which pages), and told to supervisors when the step says so.
 */
@Injectable()
export class Escalations {
  constructor(
    private readonly calls: CallRepository,
    private readonly ledger: CallLedger,
    private readonly placements: QueuePlacements,
    private readonly bus: EventBus,
  ) {}

  /** False when the request stopped waiting meanwhile (as far as this tick knows). */
  async runDue(summary: QueuedSummary, queue: Queue, nowMs: number): Promise<boolean> {
    const done = new Set(summary.escalationsDone);
    const due = dueEscalationSteps(queue, Date.parse(summary.queuedAt), nowMs, done);
    if (due.length === 0) return true;
    const call = await this.calls.find(summary.id);
    if (call?.status !== 'queued') return false;
    const change = new CallChange(call, new Date(nowMs).toISOString());
    change.call.escalationsDone = [...call.escalationsDone, ...due];
    change.noteRouting('escalated');
    try {
      await this.ledger.record(change);
    } catch (error) {
      if (error instanceof StaleCallError) return false;
      throw error;
    }
    summary.escalationsDone = change.call.escalationsDone;
    const view = this.placements.view(change.call);
    this.bus.afterCommit(
      due
        .filter((index) => queue.escalation[index].notifySupervisors)
        .map((index) =>
          brokerEvent('queue.escalated', {
            call: view,
            step: { ...queue.escalation[index], index },
          }),
        ),
    );
    return true;
  }
}
