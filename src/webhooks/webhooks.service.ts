import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ForbiddenError, NotFoundError } from '../common/broker-error.js';
import { Clock } from '../common/clock.js';
import { decodePageCursor, encodePageCursor } from '../common/page-cursor.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { WebhookConfig } from '../config/webhook-config.js';
import { hasRole } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import { OutboxStore } from '../outbox/kysely-outbox.store.js';
import { QuotasService } from '../quotas/quotas.service.js';
import { WEBHOOK_ID, type CreateWebhookDto } from './dto/webhook.dto.js';
import { WebhookStore, type Webhook } from './kysely-webhook.store.js';
import { assertWebhookUrl } from './webhook-address.js';
import { WebhookLimitError } from './webhook.errors.js';
import { newWebhookSecret } from './webhook-signature.js';

/** A subscription as its owner sees it: never the secret, which only the creation answer shows. */
export type WebhookView = Omit<Webhook, 'ownerId' | 'secret'>;

export function toWebhookView(webhook: Webhook): WebhookView {
  return {
    id: webhook.id,
    url: webhook.url,
    eventTypes: [...webhook.eventTypes],
    description: webhook.description,
    status: webhook.status,
    disabledReason: webhook.disabledReason,
    createdAt: webhook.createdAt,
  };
}

export interface WebhookPage {
  webhooks: Webhook[];
  nextCursor: string | null;
}

const isWebhookId = (id: unknown) => typeof id === 'string' && WEBHOOK_ID.test(id);

/** Integrations' webhook subscriptions (webhook-outbox.ts writes what a call change owes them). */
@Injectable()
export class WebhooksService {
  private readonly settings: WebhookConfig;

  constructor(
    private readonly store: WebhookStore,
    private readonly outbox: OutboxStore,
    private readonly quotas: QuotasService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.settings = config.webhooks;
  }

  /** At most WEBHOOK_CREATES_PER_MINUTE tries a minute and WEBHOOK_MAX_PER_INTEGRATION held. */
  async create(caller: Person, dto: CreateWebhookDto): Promise<Webhook> {
    assertIntegration(caller);
    await this.quotas.admitWebhookCreate(caller, this.settings.createsPerMinute);
    const url = await assertWebhookUrl(dto.url, this.settings.allowedHosts);
    const webhook: Webhook = {
      id: randomUUID(),
      ownerId: caller.id,
      url: url.toString(),
      eventTypes: [...dto.eventTypes],
      description: dto.description ?? null,
      secret: newWebhookSecret(),
      status: 'active',
      disabledReason: null,
      createdAt: this.clock.isoNow(),
    };
    const cap = this.settings.maxPerIntegration;
    if (!(await this.store.createUnlessAtCap(webhook, cap)))
      throw new WebhookLimitError(caller.id, cap);
    return webhook;
  }

  /** One page, oldest first; `nextCursor` null on the last. */
  async list(caller: Person, limit: number, cursor?: string): Promise<WebhookPage> {
    assertIntegration(caller);
    const after = cursor ? decodePageCursor(cursor, isWebhookId) : null;
    const webhooks = await this.store.listOf(caller.id, limit, after);
    const last = webhooks.at(-1);
    return {
      webhooks,
      nextCursor: webhooks.length === limit && last ? encodePageCursor(last) : null,
    };
  }

  async get(caller: Person, id: string): Promise<Webhook> {
    assertIntegration(caller);
    const webhook = await this.store.find(id);
    if (!webhook || webhook.ownerId !== caller.id)
      throw new NotFoundError(`webhook ${id} not found`);
    return webhook;
  }

  /** Nothing more is sent to it; its pending deliveries end as failed. */
  async delete(caller: Person, id: string): Promise<Webhook> {
    const webhook = await this.get(caller, id);
    await this.store.markDeleted(id, this.clock.isoNow());
    await this.outbox.failPendingOf(id, 'the webhook was deleted');
    return webhook;
  }

  /** Deleted ones are not found: their rows fail instead of being sent. */
  findForDelivery(id: string): Promise<Webhook | undefined> {
    return this.store.find(id);
  }

  async disable(id: string, reason: string): Promise<void> {
    await this.store.disable(id, reason);
    await this.outbox.failPendingOf(id, reason);
  }
}

function assertIntegration(caller: Person): void {
  if (!hasRole(caller, 'integration'))
    throw new ForbiddenError('only integrations may manage webhooks');
}
