import { Injectable } from '@nestjs/common';
import type { Transaction } from 'kysely';
import type { BrokerDatabase } from '../database/schema.js';
import type { CallUpdate } from './call.model.js';

/** `inserted`: the call row was just created (status creating, no events yet); `changed`: a commit. */
export type CallCommitKind = 'inserted' | 'changed';

/**
 * Runs inside the transaction that writes the call change: whatever it writes commits or rolls
 * back with the change (the outbox), so a crash in between can lose neither. A hook that throws
 * undoes the change, so hooks only write rows; they never call out.
 */
export type CallCommitHook = (
  update: CallUpdate,
  trx: Transaction<BrokerDatabase>,
  kind: CallCommitKind,
) => Promise<void>;

/** The hooks other modules register (the webhook outbox), so the calls module knows none of them. */
@Injectable()
export class CallCommitHooks {
  private readonly hooks = new Set<CallCommitHook>();

  register(hook: CallCommitHook): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  /** What the repository runs inside its transaction; undefined when nobody listens. */
  alongside(
    update: CallUpdate,
    kind: CallCommitKind,
  ): ((trx: Transaction<BrokerDatabase>) => Promise<void>) | undefined {
    if (this.hooks.size === 0) return undefined;
    return async (trx) => {
      for (const hook of this.hooks) await hook(update, trx, kind);
    };
  }
}
