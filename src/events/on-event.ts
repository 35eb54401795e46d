import type {
  AfterCommitHandler,
  BrokerEventName,
  EventPhase,
  InTransactionHandler,
} from './broker-events.js';

/** What `@OnEvent` leaves on a method, for the bus to find at start-up. */
export interface EventHandlerMark {
  name: BrokerEventName;
  phase: EventPhase;
}

export const EVENT_HANDLER = Symbol('broker-event-handler');

type MethodDecorator<F> = <T extends F>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<T>,
) => void;

function mark(name: BrokerEventName, phase: EventPhase) {
  return (target: object, key: string | symbol): void => {
    const marks: EventHandlerMark[] = Reflect.getMetadata(EVENT_HANDLER, target, key) ?? [];
    Reflect.defineMetadata(EVENT_HANDLER, [...marks, { name, phase }], target, key);
  };
}

/**
 * Declares a provider's method a handler of one event, in one phase; the EventBus finds it at
 * start-up (immich's server does the same). The method's parameters are checked against the map.
 */
export function OnEvent<K extends BrokerEventName>(
  name: K,
  phase: 'in-transaction',
): MethodDecorator<InTransactionHandler<K>>;
export function OnEvent<K extends BrokerEventName>(
  name: K,
  phase: 'after-commit',
): MethodDecorator<AfterCommitHandler<K>>;
export function OnEvent(name: BrokerEventName, phase: EventPhase) {
  return mark(name, phase);
}
