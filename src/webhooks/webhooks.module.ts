import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import { SecretBoxError } from '../common/secret-box.js';
import { ConfigError } from '../config/app-config.js';
import { CallsModule } from '../calls/calls.module.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { QuotasModule } from '../quotas/quotas.module.js';
import { DeliveriesController } from './deliveries.controller.js';
import { WebhookStore } from './kysely-webhook.store.js';
import { WebhookOutbox } from './webhook-outbox.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

/** Signed webhooks for integrations (Standard Webhooks), delivered through the outbox. */
@Module({
  imports: [CallsModule, OutboxModule, QuotasModule],
  controllers: [WebhooksController, DeliveriesController],
  providers: [WebhookStore, WebhooksService, WebhookSender, WebhookOutbox],
})
export class WebhooksModule implements OnApplicationBootstrap {
  constructor(private readonly store: WebhookStore) {}

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
