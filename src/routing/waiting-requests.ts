import { Injectable } from '@nestjs/common';
import { CallRepository, type QueuedSummary } from '../calls/call.repository.js';
import { DirectoryService } from '../directory/directory.service.js';
import { Callbacks } from './callbacks.service.js';
import { Escalations } from './escalations.js';
import { MaxWait } from './max-wait.js';
import type { QueuedRequest } from './routing.model.js';
import { requestersOf } from './routing-rules.js';

export function queuedRequestOf(call: QueuedSummary): QueuedRequest {
  return {
    callId: call.id,
    queueId: call.queueId,
    priority: call.priority,
    queuedAt: call.queuedAt,
    requesters: requestersOf({ technician: { id: call.technicianId } }),
  };
}

/**
 * What the passing of time does to the waiting requests: past maxWaitSeconds one ends
 * unanswered (or becomes a callback); due escalation steps run (once each); callbacks past their
 * queue's callbackHours end unanswered. Reads a few columns of every waiting call,
 * whole records only of the calls something happens to.
 */
@Injectable()
export class WaitingRequests {
  constructor(
    private readonly calls: CallRepository,
    private readonly directory: DirectoryService,
    private readonly maxWait: MaxWait,
    private readonly escalations: Escalations,
    private readonly callbacks: Callbacks,
  ) {}

  /** The requests still waiting (as far as this tick knows: the next one looks again). */
  async advance(nowMs: number): Promise<QueuedRequest[]> {
    await this.callbacks.expireDue(nowMs);
    const waiting: QueuedRequest[] = [];
    for (const summary of await this.calls.queuedSummaries()) {
      const queue = this.directory.queue(summary.queueId);
      if (await this.maxWait.endIfDue(summary, queue, nowMs)) continue;
      if (queue && !(await this.escalations.runDue(summary, queue, nowMs))) continue;
      waiting.push(queuedRequestOf(summary));
    }
    return waiting;
  }
}
