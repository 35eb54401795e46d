import { Injectable } from '@nestjs/common';
import { CallChange } from '../calls/call-change.js';
import { CallLedger } from '../calls/call-ledger.service.js';
import type { CallRecord } from '../calls/call.model.js';
import { CallRepository, StaleCallError } from '../calls/call.repository.js';
import {
  QueueFullError,
  QueueShareFullError,
  UrgentNotAllowedError,
} from '../calls/call.errors.js';
import { callbackOr } from './callback-rules.js';
import { QueueAdmission } from '../calls/queue-admission.port.js';
import { DirectoryService, hasRole } from '../directory/directory.service.js';
import { hoursAnswer, type HoursAnswer } from '../directory/opening-hours.js';
import type { Person } from '../directory/person.js';
import type { Writer } from '../events/broker-events.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { lockPerson } from '../quotas/person-lock.js';

/**
 * Routing's side of a new routed request: the queue's limits, then the `queued` change; or,
 * outside the queue's business hours, the on-call expert (queued, offered to them alone) or
 * `closed` at once. Both steps judge the hours at the call's `createdAt`, so they agree.
 */
@Injectable()
export class RoutingQueueAdmission extends QueueAdmission {
  constructor(
    private readonly calls: CallRepository,
    private readonly ledger: CallLedger,
    private readonly directory: DirectoryService,
    private readonly metrics: MetricsService,
  ) {
    super();
  }

  /** `urgent` jumps the queue: only callers with a role the queue's `urgentRoles` names (403). */
  assertMayAsk(caller: Person, call: CallRecord): void {
    if (call.priority !== 'urgent' || call.queueId === null) return;
    const queue = this.directory.queue(call.queueId);
    if (queue && !queue.urgentRoles.some((role) => hasRole(caller, role)))
      throw new UrgentNotAllowedError(queue);
  }

  /**
   * `maxQueued`: a full queue refuses new requests (503), so callers can go elsewhere; then
   * `maxQueuedPerTechnician`: one technician's share of it (429). Both counted after the insert,
   * under one lock per queue, so that parallel requests cannot all see room.
   */
  async admit(trx: Writer, call: CallRecord): Promise<void> {
    const queue = call.queueId === null ? undefined : this.directory.queue(call.queueId);
    if (!queue) return;
    // A closed request waits nowhere: it takes no room in the queue.
    if (hoursAnswer(queue, Date.parse(call.createdAt)).kind === 'closed') return;
    await lockPerson(trx, 'queue', queue.id);
    const waiting = await this.calls.countQueued(queue.id, queue.maxQueued + 1, trx);
    if (waiting > queue.maxQueued) throw new QueueFullError(queue);
    const share = queue.maxQueuedPerTechnician;
    const theirs = await this.calls.countQueued(queue.id, share + 1, trx, call.technician.id);
    if (theirs > share) throw new QueueShareFullError(queue, call.technician.id);
  }

  /**
   * The routed call waits in its queue; the dispatcher hears of it from `call.queued` (and offers
   * it to the on-call expert alone while the queue is closed: routing-rules.ts). Outside hours
   * with nobody to page it ends `closed`, saying when the queue opens next, or waits as a callback
   * where the queue takes them (callback-rules.ts).
   */
  async enqueue(call: CallRecord): Promise<CallRecord> {
    const queue = call.queueId === null ? undefined : this.directory.queue(call.queueId);
    const answer: HoursAnswer = queue
      ? hoursAnswer(queue, Date.parse(call.createdAt))
      : { kind: 'open' };
    const change = new CallChange(call, call.createdAt);
    // Closed: a queue that takes callbacks keeps the request for an expert to call back.
    const outcome = answer.kind === 'closed' ? callbackOr(queue, 'closed') : 'queued';
    if (answer.kind === 'closed') change.transition(outcome, { nextOpensAt: answer.nextOpensAt });
    else change.transition('queued', { queuedAt: call.createdAt });
    try {
      await this.ledger.record(change);
    } catch (error) {
      // Another writer finished this admission first (the reconciler, for a request slower than
      // the creation deadline, or another instance's): the call is answered as it now is.
      if (!(error instanceof StaleCallError)) throw error;
      return (await this.calls.find(call.id)) ?? call;
    }
    if (outcome === 'closed') this.metrics.closedRequests.inc({ queue: call.queueId! });
    return change.call;
  }
}
