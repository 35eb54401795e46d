import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { RetrySchedule } from '../config/app-config.js';
import type { AttemptOutcome, Delivery } from './outbox.model.js';

/** How one kind of row is retried, and for how long at most (docs/notifications.md, "The outbox"). */
export interface OutboxPolicy {
  retry: RetrySchedule;
  /**
   * From a row's first attempt: a retry that would come later is not made, the row is dead
   * (`expired`); so is a row still pending past it. A row's own `expiresAt` may end it sooner.
   */
  ttlMs: number;
}

/** Delivers one kind of destination's rows; never throws for what the destination did. */
export interface OutboxSender {
  readonly policy: OutboxPolicy;
  /**
   * Calls `paced` right before the request leaves (after its own lookups), so the spacing the
   * rate limit makes is the spacing the receiver sees.
   */
  deliver(delivery: Delivery, paced: () => Promise<void>): Promise<AttemptOutcome>;
  /** The destination answered 410 Gone: stop sending it anything. */
  gone(destinationId: string, reason: string): Promise<void>;
  /**
   * The payload to keep once the row is settled (delivered or dead): without the secrets it
   * carried for the receiver (docs/security.md, "At rest"). Unset: kept as it is.
   */
  wipe?(payload: string): string;
}

/**
 * Marks a provider as the sender of one kind of outbox row (`@OutboxSenderOf('webhook')`): the
 * dispatcher finds it at start-up, so no feature registers anything with the outbox.
 */
export const OutboxSenderOf = DiscoveryService.createDecorator<string>();

/** The senders by kind of row. */
export abstract class OutboxSenders {
  abstract get(kind: string): OutboxSender | undefined;

  /** Fixed senders: a dispatcher built by hand (unit specs, two dispatchers on one database). */
  static of(senders: Record<string, OutboxSender>): OutboxSenders {
    return new FixedOutboxSenders(new Map(Object.entries(senders)));
  }
}

class FixedOutboxSenders extends OutboxSenders {
  constructor(private readonly byKind: ReadonlyMap<string, OutboxSender>) {
    super();
  }

  get(kind: string): OutboxSender | undefined {
    return this.byKind.get(kind);
  }
}

/** The providers marked `@OutboxSenderOf(kind)`, read once every provider exists. */
@Injectable()
export class DiscoveredOutboxSenders extends OutboxSenders implements OnModuleInit {
  private readonly byKind = new Map<string, OutboxSender>();

  constructor(private readonly discovery: DiscoveryService) {
    super();
  }

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: OutboxSenderOf.KEY })) {
      const kind = this.discovery.getMetadataByDecorator(OutboxSenderOf, wrapper);
      const sender = wrapper.instance as OutboxSender | undefined;
      if (typeof kind !== 'string' || !sender) continue;
      const other = this.byKind.get(kind);
      if (other && other !== sender)
        throw new Error(
          `two outbox senders for kind "${kind}": ${other.constructor.name} and ${wrapper.name}`,
        );
      this.byKind.set(kind, sender);
    }
  }

  get(kind: string): OutboxSender | undefined {
    return this.byKind.get(kind);
  }
}
