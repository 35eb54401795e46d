import { Inject, Injectable } from '@nestjs/common';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { DATABASE } from '../database/database.module.js';
import type { BrokerDatabase } from '../database/schema.js';
import type { WebhookEventType } from './webhook-events.js';
import type { WebhooksTable } from './webhook.schema.js';

export type WebhookStatus = 'active' | 'disabled';

export interface Webhook {
  id: string;
  ownerId: string;
  url: string;
  eventTypes: WebhookEventType[];
  description: string | null;
  secret: string;
  status: WebhookStatus;
  disabledReason: string | null;
  createdAt: string;
}

function fromRow(row: Selectable<WebhooksTable>): Webhook {
  return {
    id: row.id,
    ownerId: row.owner_id,
    url: row.url,
    eventTypes: JSON.parse(row.event_types_json),
    description: row.description,
    secret: row.secret,
    status: row.status as WebhookStatus,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
  };
}

/** The subscriptions; deleted ones stay as rows (their deliveries name them) but are never found. */
@Injectable()
export class WebhookStore {
  constructor(@Inject(DATABASE) private readonly db: Kysely<BrokerDatabase>) {}

  async create(webhook: Webhook): Promise<void> {
    await this.db
      .insertInto('webhooks')
      .values({
        id: webhook.id,
        owner_id: webhook.ownerId,
        url: webhook.url,
        event_types_json: JSON.stringify(webhook.eventTypes),
        description: webhook.description,
        secret: webhook.secret,
        status: webhook.status,
        disabled_reason: null,
        created_at: webhook.createdAt,
        deleted_at: null,
      })
      .execute();
  }

  async find(id: string): Promise<Webhook | undefined> {
    const row = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async listOf(ownerId: string): Promise<Webhook[]> {
    const rows = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .where('deleted_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(fromRow);
  }

  /** Active subscriptions, read inside the call change's transaction. */
  async active(trx: Transaction<BrokerDatabase>): Promise<Webhook[]> {
    const rows = await trx
      .selectFrom('webhooks')
      .selectAll()
      .where('status', '=', 'active')
      .where('deleted_at', 'is', null)
      .execute();
    return rows.map(fromRow);
  }

  async markDeleted(id: string, at: string): Promise<void> {
    await this.db.updateTable('webhooks').set({ deleted_at: at }).where('id', '=', id).execute();
  }

  async disable(id: string, reason: string): Promise<void> {
    await this.db
      .updateTable('webhooks')
      .set({ status: 'disabled', disabled_reason: reason })
      .where('id', '=', id)
      .execute();
  }
}
