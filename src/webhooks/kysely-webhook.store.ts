import { Inject, Injectable } from '@nestjs/common';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { ConflictError } from '../common/broker-error.js';
import { SecretBox } from '../common/secret-box.js';
import { DATABASE } from '../database/database.module.js';
import type { BrokerDatabase } from '../database/schema.js';
import { lockPerson } from '../quotas/person-lock.js';
import type { WebhookEventType } from './webhook-events.js';
import type { WebhooksTable } from '../database/webhook.schema.js';

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

/** The signing secret is sealed for its own row: a ciphertext copied to another row does not open. */
const secretContext = (id: string) => `webhooks.secret:${id}`;

function fromRow(row: Selectable<WebhooksTable>, box: SecretBox): Webhook {
  return {
    id: row.id,
    ownerId: row.owner_id,
    url: row.url,
    eventTypes: JSON.parse(row.event_types_json),
    description: row.description,
    secret: row.deleted_at === null ? box.open(row.secret, secretContext(row.id)) : '',
    status: row.status as WebhookStatus,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
  };
}

/** Rolls an over-cap insert back. */
class OverCap extends Error {}

/**
 * The subscriptions; deleted ones stay as rows (their deliveries name them) but are never found,
 * and keep no secret. Signing secrets are stored sealed with DATA_ENCRYPTION_KEYS.
 */
@Injectable()
export class WebhookStore {
  constructor(
    @Inject(DATABASE) private readonly db: Kysely<BrokerDatabase>,
    private readonly box: SecretBox,
  ) {}

  /** In `db`, a transaction when the insert must be counted before it commits (the cap). */
  async create(webhook: Webhook, db: Kysely<BrokerDatabase> = this.db): Promise<void> {
    if (!this.box.canSeal)
      throw new ConflictError(
        'webhooks are off on this broker: DATA_ENCRYPTION_KEYS is not set, and signing secrets are only stored encrypted',
      );
    await db
      .insertInto('webhooks')
      .values({
        id: webhook.id,
        owner_id: webhook.ownerId,
        url: webhook.url,
        event_types_json: JSON.stringify(webhook.eventTypes),
        description: webhook.description,
        secret: this.box.seal(webhook.secret, secretContext(webhook.id)),
        status: webhook.status,
        disabled_reason: null,
        created_at: webhook.createdAt,
        deleted_at: null,
      })
      .execute();
  }

  /**
   * Creates the webhook unless its owner then holds more than `cap`; false when refused. Written
   * before it is counted, under a per-owner lock (see lockPerson), so of parallel creates on any
   * instance at most the cap succeed; an over-cap row is rolled back.
   */
  async createUnlessAtCap(webhook: Webhook, cap: number): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await lockPerson(trx, 'webhooks', webhook.ownerId);
        await this.create(webhook, trx);
        if ((await this.countOf(webhook.ownerId, trx)) > cap) throw new OverCap();
      });
      return true;
    } catch (error) {
      if (error instanceof OverCap) return false;
      throw error;
    }
  }

  async find(id: string): Promise<Webhook | undefined> {
    const row = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? fromRow(row, this.box) : undefined;
  }

  /** One page of the owner's webhooks, oldest first, after the (createdAt, id) of `after`. */
  async listOf(
    ownerId: string,
    limit: number,
    after: { createdAt: string; id: string } | null,
  ): Promise<Webhook[]> {
    let select = this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .where('deleted_at', 'is', null);
    if (after) {
      select = select.where((eb) =>
        eb.or([
          eb('created_at', '>', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
        ]),
      );
    }
    const rows = await select.orderBy('created_at').orderBy('id').limit(limit).execute();
    return rows.map((row) => fromRow(row, this.box));
  }

  /** The owner's webhooks that count against the cap (active or disabled, not deleted). */
  async countOf(ownerId: string, trx: Transaction<BrokerDatabase>): Promise<number> {
    const row = await trx
      .selectFrom('webhooks')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('owner_id', '=', ownerId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Active subscriptions, read inside the call change's transaction: only what an outbox row
   * names. The signing secret is opened at send time, not once per webhook on every call change.
   */
  async active(
    trx: Transaction<BrokerDatabase>,
  ): Promise<Pick<Webhook, 'id' | 'ownerId' | 'eventTypes'>[]> {
    const rows = await trx
      .selectFrom('webhooks')
      .select(['id', 'owner_id', 'event_types_json'])
      .where('status', '=', 'active')
      .where('deleted_at', 'is', null)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      ownerId: row.owner_id,
      eventTypes: JSON.parse(row.event_types_json) as WebhookEventType[],
    }));
  }

  /** Nothing will be signed for it again: its secret goes with it. */
  async markDeleted(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('webhooks')
      .set({ deleted_at: at, secret: '' })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Seals every kept secret with the current key: plain text from before encryption, and
   * secrets of an older key (rotation). Run at start-up; a secret no configured key opens
   * throws, so a dropped key stops start-up instead of failing deliveries.
   */
  async resealSecrets(): Promise<number> {
    const rows = await this.db
      .selectFrom('webhooks')
      .select(['id', 'secret'])
      .where('deleted_at', 'is', null)
      .execute();
    if (!this.box.canSeal) {
      // Nothing to seal with, but a secret sealed before must still open (it throws if not):
      // every call change reads the active webhooks, and would fail on it.
      for (const row of rows) this.box.open(row.secret, secretContext(row.id));
      return 0;
    }
    const stale = rows.filter((row) => !this.box.isCurrent(row.secret));
    for (const row of stale) {
      const secret = this.box.open(row.secret, secretContext(row.id));
      await this.db
        .updateTable('webhooks')
        .set({ secret: this.box.seal(secret, secretContext(row.id)) })
        .where('id', '=', row.id)
        .where('secret', '=', row.secret)
        .execute();
    }
    return stale.length;
  }

  async disable(id: string, reason: string): Promise<void> {
    await this.db
      .updateTable('webhooks')
      .set({ status: 'disabled', disabled_reason: reason })
      .where('id', '=', id)
      .execute();
  }
}
