import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../logging/logger.js';
import type {
  AfterCommitHandler,
  BrokerEvent,
  BrokerEventName,
  EventPhase,
  InTransactionHandler,
  Writer,
} from './broker-events.js';
import { EVENT_HANDLER, type EventHandlerMark } from './on-event.js';

type AnyInTransaction = (payload: unknown, trx: Writer) => Promise<void>;
type AnyAfterCommit = (payload: unknown) => void | Promise<void>;

interface Registered<F> {
  handler: F;
  /** `Class.method`, for the log line of a failing handler. */
  label: string;
}

/**
 * The one place a committed change leaves its module. The module that commits calls
 * `inTransaction` inside its transaction and `afterCommit` once it committed, with the typed
 * events it decided on; the handlers other modules declared with `@OnEvent` (found at start-up)
 * write their rows in the first phase and deliver in the second. Handlers run in the order they
 * were found, each batch in the order given, so every handler sees changes in commit order.
 */
@Injectable()
export class EventBus implements OnModuleInit {
  private readonly inTransactionHandlers = new Map<
    BrokerEventName,
    Registered<AnyInTransaction>[]
  >();
  private readonly afterCommitHandlers = new Map<BrokerEventName, Registered<AnyAfterCommit>[]>();
  /** After-commit handlers still running (idle() waits for them). */
  private readonly running = new Set<Promise<unknown>>();
  private discovered = false;

  constructor(
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    // Unit specs build a bus by hand and declare handlers with `on`.
    @Optional() private readonly discovery?: DiscoveryService,
    @Optional() private readonly scanner?: MetadataScanner,
  ) {}

  onModuleInit(): void {
    if (this.discovered || !this.discovery || !this.scanner) return;
    this.discovered = true;
    // A provider given under a second token (a port's useExisting) is one instance: found once.
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      if (wrapper.isAlias || seen.has(instance)) continue;
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const marks: EventHandlerMark[] | undefined = Reflect.getMetadata(
          EVENT_HANDLER,
          prototype,
          method,
        );
        for (const { name, phase } of marks ?? []) {
          const fn = (instance as Record<string, (...args: unknown[]) => unknown>)[method];
          const label = `${instance.constructor.name}.${method}`;
          this.add(name, phase, fn.bind(instance) as AnyAfterCommit & AnyInTransaction, label);
        }
      }
    }
  }

  /** Declares a handler by hand (unit specs; production handlers use `@OnEvent`). */
  on<K extends BrokerEventName>(
    name: K,
    phase: 'in-transaction',
    handler: InTransactionHandler<K>,
  ): void;
  on<K extends BrokerEventName>(
    name: K,
    phase: 'after-commit',
    handler: AfterCommitHandler<K>,
  ): void;
  on(name: BrokerEventName, phase: EventPhase, handler: AnyAfterCommit & AnyInTransaction): void {
    this.add(name, phase, handler, handler.name || 'handler');
  }

  /** Whether anyone writes rows for these events (a commit without them needs no hook). */
  writesFor(events: readonly BrokerEvent[]): boolean {
    return events.some((event) => this.inTransactionHandlers.has(event.name));
  }

  /** Inside the change's transaction: a handler that throws rolls the whole change back. */
  async inTransaction(trx: Writer, events: readonly BrokerEvent[]): Promise<void> {
    for (const event of events)
      for (const { handler } of this.inTransactionHandlers.get(event.name) ?? [])
        await handler(event.payload, trx);
  }

  /** Once committed: every handler runs; a failure is logged and nothing else is affected. */
  afterCommit(events: readonly BrokerEvent[]): void {
    for (const event of events)
      for (const { handler, label } of this.afterCommitHandlers.get(event.name) ?? []) {
        try {
          const result = handler(event.payload);
          if (result instanceof Promise) this.track(result, event.name, label);
        } catch (error) {
          this.failed(error, event.name, label);
        }
      }
  }

  /** Resolves once the after-commit handlers started so far have finished (tests wait on it). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private track(result: Promise<unknown>, name: BrokerEventName, label: string): void {
    const settled = result.catch((error: unknown) => this.failed(error, name, label));
    this.running.add(settled);
    void settled.finally(() => this.running.delete(settled));
  }

  private failed(error: unknown, name: BrokerEventName, handler: string): void {
    this.logger.error({ err: error, event: name, handler }, 'an event handler failed');
  }

  private add(
    name: BrokerEventName,
    phase: EventPhase,
    handler: AnyAfterCommit & AnyInTransaction,
    label: string,
  ): void {
    if (phase === 'in-transaction') {
      const handlers = this.inTransactionHandlers.get(name) ?? [];
      this.inTransactionHandlers.set(name, [...handlers, { handler, label }]);
    } else {
      const handlers = this.afterCommitHandlers.get(name) ?? [];
      this.afterCommitHandlers.set(name, [...handlers, { handler, label }]);
    }
  }
}
