import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module.js';
import { OutboxStore } from './kysely-outbox.store.js';
import { OutboxDispatcher } from './outbox-dispatcher.service.js';
import { OutboxMetrics } from './outbox-metrics.js';

/** The durable outbox: rows written with call changes, delivered at least once by the dispatcher. */
@Module({
  imports: [CallsModule],
  providers: [OutboxStore, OutboxMetrics, OutboxDispatcher],
  exports: [OutboxStore, OutboxDispatcher],
})
export class OutboxModule {}
