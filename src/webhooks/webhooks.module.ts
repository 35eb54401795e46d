import { Module, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { SecretBoxError } from '../common/secret-box.js';
import { ConfigError } from '../config/app-config.js';
import { CallCommitHooks } from '../calls/call-commit-hooks.js';
import { CallUpdatesBus } from '../calls/call-updates.bus.js';
import { CallsModule } from '../calls/calls.module.js';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { QuotasModule } from '../quotas/quotas.module.js';
import { DeliveriesController } from './deliveries.controller.js';
import { WebhookStore } from './kysely-webhook.store.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

/** Signed webhooks for integrations (Standard Webhooks), delivered through the outbox. */
@Module({
  imports: [CallsModule, OutboxModule, QuotasModule],
  controllers: [WebhooksController, DeliveriesController],
  providers: [WebhookStore, WebhooksService, WebhookSender],
})
export class WebhooksModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly hooks: CallCommitHooks,
    private readonly dispatcher: OutboxDispatcher,
    private readonly webhooks: WebhooksService,
    private readonly bus: CallUpdatesBus,
    private readonly store: WebhookStore,
  ) {}

  onModuleInit(): void {
    this.hooks.register((update, trx, kind) => this.webhooks.enqueue(update, trx, kind));
    // Until the event system lands: a committed call change may have written webhook rows.
    this.bus.subscribe(() => this.dispatcher.wake());
  }

  /** Key rotation's step (docs/security.md, "At rest"): every secret under the first key. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.store.resealSecrets();
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      throw new ConfigError(
        `DATA_ENCRYPTION_KEYS cannot open a stored webhook secret: ${error.message}; put the old key back (after the new one) until a start has resealed them`,
      );
    }
  }
}
