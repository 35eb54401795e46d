import { Module, type OnModuleInit } from '@nestjs/common';
import { CallCommitHooks } from '../calls/call-commit-hooks.js';
import { CallsModule } from '../calls/calls.module.js';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { QuotasModule } from '../quotas/quotas.module.js';
import { WebhookStore } from './kysely-webhook.store.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

/** Signed webhooks for integrations (Standard Webhooks), delivered through the outbox. */
@Module({
  imports: [CallsModule, OutboxModule, QuotasModule],
  controllers: [WebhooksController],
  providers: [WebhookStore, WebhooksService, WebhookSender],
})
export class WebhooksModule implements OnModuleInit {
  constructor(
    private readonly hooks: CallCommitHooks,
    private readonly dispatcher: OutboxDispatcher,
    private readonly webhooks: WebhooksService,
    private readonly sender: WebhookSender,
  ) {}

  onModuleInit(): void {
    this.hooks.register((update, trx, kind) => this.webhooks.enqueue(update, trx, kind));
    this.dispatcher.registerSender('webhook', this.sender);
  }
}
