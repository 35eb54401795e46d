import { Injectable } from '@nestjs/common';
import { brokerEvent, type BrokerEvent } from '../events/broker-events.js';
import { EventBus } from '../events/event-bus.js';
import type { CallChange } from './call-change.js';
import { committedEvents } from './call-facts.js';
import type { CallRecord } from './call.model.js';
import {
  CallRepository,
  type CommitFence,
  type IdempotencyClaim,
  type InsertOutcome,
  type WriteAlongside,
} from './call.repository.js';

/**
 * The one way a call is written: inserted, or changed atomically with its events, guarded by
 * seq. What the change means (call-facts.ts) goes to the event bus: the in-transaction handlers
 * write their rows in the same transaction, the after-commit ones hear of it once it is durable.
 */
@Injectable()
export class CallLedger {
  constructor(
    private readonly calls: CallRepository,
    private readonly bus: EventBus,
  ) {}

  /**
   * Inserts a new call (claiming the idempotency key when given); `admit` runs in the same
   * transaction first, so caps it checks there hold against parallel inserts.
   */
  async insert(
    call: CallRecord,
    claim: IdempotencyClaim | null,
    admit: WriteAlongside,
  ): Promise<InsertOutcome> {
    const events = [brokerEvent('call.created', { call })];
    const outcome = await this.calls.insert(call, claim, async (trx) => {
      await admit(trx);
      await this.bus.inTransaction(trx, events);
    });
    if (outcome.kind === 'inserted') this.bus.afterCommit(events);
    return outcome;
  }

  /**
   * Throws StaleCallError when someone else changed the call since `change.before` was read. A
   * `fence` (the tracker's lease) is checked in the transaction after the seq-guarded update and
   * rolls the change back when it throws (LeaseLostError).
   */
  async record(change: CallChange, fence?: CommitFence): Promise<void> {
    if (change.isEmpty) return;
    const events: BrokerEvent[] =
      change.events.length > 0 ? committedEvents(change.before, change.call, change.events) : [];
    const writes = this.bus.writesFor(events);
    await this.calls.commit(
      change.call,
      change.before.seq,
      change.events,
      change.seenXAssistEventIds,
      fence || writes
        ? async (trx) => {
            await fence?.verify(trx);
            if (writes) await this.bus.inTransaction(trx, events);
          }
        : undefined,
    );
    this.bus.afterCommit(events);
  }
}
