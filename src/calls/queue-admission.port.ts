import type { Person } from '../directory/person.js';
import type { Writer } from '../events/broker-events.js';
import type { CallRecord } from './call.model.js';

/**
 * Whether a routed call may join its queue, and putting it there: routing's rules, asked through
 * this port so that calls knows nothing of queues beyond the call's `queueId`. Routing provides
 * it globally (routing/queue-admission.ts); without routing, every queued request is refused.
 */
export abstract class QueueAdmission {
  /** Before anything is written: `urgent` only from the roles the queue allows (403). */
  abstract assertMayAsk(caller: Person, call: CallRecord): void;
  /** In the insert's transaction, so that parallel requests cannot all see room (503, 429). */
  abstract admit(trx: Writer, call: CallRecord): Promise<void>;
  /**
   * After the insert committed: the call waits in its queue (no xAssist call yet). Returns the
   * call as it now is, also when another writer finished its admission first.
   */
  abstract enqueue(call: CallRecord): Promise<CallRecord>;
}
