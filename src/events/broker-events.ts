import type { Transaction } from 'kysely';
import type { BrokerDatabase } from '../database/schema.js';

/**
 * Every event of the broker, by name: empty here, filled by the module that owns each event
 * (declaration merging: `calls/call-facts.ts`, `routing/routing-facts.ts`), so this layer knows
 * no feature and every handler is still typed. docs/architecture.md lists the whole map.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface BrokerEvents {}

export type BrokerEventName = keyof BrokerEvents;

/** One event as emitted: its name and its typed payload. */
export type BrokerEvent = {
  [K in BrokerEventName]: { name: K; payload: BrokerEvents[K] };
}[BrokerEventName];

/** The value for `name`: the one place an event is made, typed by the map. */
export function brokerEvent<K extends BrokerEventName>(
  name: K,
  payload: BrokerEvents[K],
): BrokerEvent {
  return { name, payload } as BrokerEvent;
}

/**
 * When a handler runs. `in-transaction`: inside the transaction of the change, before it commits;
 * it only writes rows (outbox rows, pages), and a throw rolls the change back. `after-commit`:
 * once the change is durable; it delivers (sockets, timers, wake-ups, metrics), and a failure is
 * logged without undoing the change or keeping the other handlers from running.
 */
export type EventPhase = 'in-transaction' | 'after-commit';

export type Writer = Transaction<BrokerDatabase>;

export type InTransactionHandler<K extends BrokerEventName> = (
  payload: BrokerEvents[K],
  trx: Writer,
) => Promise<void>;

export type AfterCommitHandler<K extends BrokerEventName> = (
  payload: BrokerEvents[K],
) => void | Promise<void>;
