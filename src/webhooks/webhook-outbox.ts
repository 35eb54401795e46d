import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CallCommitted } from '../calls/call-facts.js';
import type { CallRecord } from '../calls/call.model.js';
import { Clock } from '../common/clock.js';
import type { Writer } from '../events/broker-events.js';
import { OnEvent } from '../events/on-event.js';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service.js';
import { OutboxStore } from '../outbox/kysely-outbox.store.js';
import type { OutboxMessage } from '../outbox/outbox.model.js';
import { WebhookStore } from './kysely-webhook.store.js';
import { createdWebhookEvents, webhookEventsOf, type WebhookEvent } from './webhook-events.js';

/**
 * What a call change owes integrations: one outbox row per (message, subscribed webhook),
 * written in the change's own transaction, so that a crash can lose neither; the dispatcher is
 * woken once it committed.
 */
@Injectable()
export class WebhookOutbox {
  constructor(
    private readonly store: WebhookStore,
    private readonly outbox: OutboxStore,
    private readonly dispatcher: OutboxDispatcher,
    private readonly clock: Clock,
  ) {}

  @OnEvent('call.created', 'in-transaction')
  async created({ call }: { call: CallRecord }, trx: Writer): Promise<void> {
    await this.write(trx, call, createdWebhookEvents(call));
  }

  @OnEvent('call.committed', 'in-transaction')
  async committed(committed: CallCommitted, trx: Writer): Promise<void> {
    await this.write(trx, committed.call, webhookEventsOf(committed));
  }

  @OnEvent('call.committed', 'after-commit')
  wake(): void {
    this.dispatcher.wake();
  }

  private async write(trx: Writer, call: CallRecord, events: WebhookEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Ids and event types only: a signing secret is opened at send time, never here.
    const webhooks = await this.store.active(trx);
    const messages: OutboxMessage[] = events.flatMap((event) =>
      webhooks
        .filter((webhook) => webhook.eventTypes.includes(event.type))
        .map((webhook) => ({
          id: `msg_${randomUUID()}`,
          destinationKind: 'webhook' as const,
          destinationId: webhook.id,
          ownerId: webhook.ownerId,
          callId: call.id,
          seq: event.seq,
          position: event.position,
          eventType: event.type,
          payload: event.body,
        })),
    );
    await this.outbox.add(trx, messages, this.clock.isoNow());
  }
}
