import { Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service.js';
import type { CallChange } from './call-change.js';
import { CallCommitHooks } from './call-commit-hooks.js';
import { CallRepository } from './call.repository.js';
import { CallUpdatesBus } from './call-updates.bus.js';

/** The one way a call changes: written atomically with its events, then published in seq order. */
@Injectable()
export class CallLedger {
  constructor(
    private readonly calls: CallRepository,
    private readonly bus: CallUpdatesBus,
    private readonly metrics: MetricsService,
    // Unit tests that build a ledger by hand need no hooks.
    private readonly hooks: CallCommitHooks = new CallCommitHooks(),
  ) {}

  /** Throws StaleCallError when someone else changed the call since `change.before` was read. */
  async record(change: CallChange): Promise<void> {
    if (change.isEmpty) return;
    await this.calls.commit(
      change.call,
      change.before.seq,
      change.events,
      change.seenXAssistEventIds,
      this.hooks.alongside({ call: change.call, events: change.events }, 'changed'),
    );
    this.metrics.observeCall(change.before, change.call);
    for (const event of change.events)
      this.metrics.callEvents.inc({ kind: event.type.split('.')[0] });
    if (change.events.length > 0) this.bus.publish({ call: change.call, events: change.events });
  }
}
