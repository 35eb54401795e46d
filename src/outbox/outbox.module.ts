import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { OutboxStore } from './kysely-outbox.store.js';
import { OutboxDispatcher } from './outbox-dispatcher.service.js';
import { OutboxMetrics } from './outbox-metrics.js';
import { DiscoveredOutboxSenders, OutboxSenders } from './outbox-sender.js';

/**
 * The durable outbox: rows written with call changes, delivered at least once by the dispatcher
 * through the providers marked `@OutboxSenderOf(kind)`. It knows no feature: the webhooks and
 * paging modules write rows, send them and wake the dispatcher.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    OutboxStore,
    OutboxMetrics,
    { provide: OutboxSenders, useClass: DiscoveredOutboxSenders },
    OutboxDispatcher,
  ],
  exports: [OutboxStore, OutboxDispatcher],
})
export class OutboxModule {}
