import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from 'kysely';
import type { CallCommitted } from '../calls/call-facts.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { BrokerDatabase } from '../database/schema.js';
import { OutboxStore } from '../outbox/kysely-outbox.store.js';
import type { OutboxMessage } from '../outbox/outbox.model.js';
import { lockPerson } from '../quotas/person-lock.js';
import type { PageEvent } from '../notifications/channels-document.js';
import { pageSlots, type PageBudget } from './page-slots.js';

/** Pages that announce a waiting request: pointless, their links dead, once it stopped waiting. */
export const ANNOUNCING_EVENTS: readonly PageEvent[] = [
  'queued',
  'escalated',
  'offered',
  'callback',
];
const ANNOUNCEMENTS = ANNOUNCING_EVENTS.map((event) => `page.${event}`);

/**
 * So that one caller cannot spend a channel's budget (DingTalk's 20 a minute per robot) and
 * delay everyone else's pages (docs/notifications.md, "Fair paging"), in the transaction that
 * writes the pages:
 * - a page announcing a request that stopped waiting before the page went out is `superseded`
 *   (never sent), and the change's `ended` page to that channel is not written either;
 * - each technician's pages to one channel are spread so that no window of
 *   PAGING_PER_CALLER_WINDOW_SECONDS holds more than PAGING_PER_CALLER_LIMIT of them: the rest
 *   are due later (deferred, never dropped), and a cancel meanwhile supersedes them.
 */
@Injectable()
export class PageFairness {
  private readonly budget: PageBudget;

  constructor(
    private readonly outbox: OutboxStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.budget = config.paging.perCaller;
  }

  /**
   * Writes pages in `trx` (the offer's own transaction), within the technician's share; a page
   * the share would only let go at or after `beforeMs` (its offer's expiry: its link would be
   * dead) is not written at all, and one written is not sent nor retried past it (its `expiresAt`).
   */
  async addBefore(
    trx: Transaction<BrokerDatabase>,
    technicianId: string,
    messages: readonly OutboxMessage[],
    nowMs: number,
    beforeMs: number,
  ): Promise<void> {
    const slots = await this.slots(trx, technicianId, messages, nowMs);
    const expiresAt = new Date(beforeMs).toISOString();
    const timely = messages
      .filter((message) => (slots.get(message.id) ?? nowMs) < beforeMs)
      .map((message) => ({ ...message, expiresAt }));
    await this.outbox.add(trx, timely, new Date(nowMs).toISOString());
    await this.defer(trx, slots, nowMs);
  }

  /**
   * The change took its call out of its queue: its announcements not yet sent (nor being sent)
   * are superseded. Returns the channels that never heard of the request (all its announcements
   * there superseded).
   */
  async supersede(
    trx: Transaction<BrokerDatabase>,
    { call, facts }: Pick<CallCommitted, 'call' | 'facts'>,
    channels: readonly string[],
    now: string,
  ): Promise<Set<string>> {
    const left = facts.some((fact) => fact.kind === 'status_changed');
    if (call.queueId === null || call.status === 'queued' || !left || channels.length === 0)
      return new Set();
    const superseded = new Set(
      await this.outbox.supersedePending(
        trx,
        {
          callId: call.id,
          eventTypes: ANNOUNCEMENTS,
          destinationIds: channels,
          why: `superseded: the request stopped waiting (${call.status}) before this page went out`,
        },
        now,
      ),
    );
    if (superseded.size === 0) return superseded;
    // A channel that got (or is getting) another announcement of the request did hear of it.
    const heard = await trx
      .selectFrom('outbox')
      .select('destination_id')
      .where('call_id', '=', call.id)
      .where('destination_id', 'in', [...superseded])
      .where('event_type', 'in', ANNOUNCEMENTS)
      .where('status', '!=', 'superseded')
      .execute();
    for (const row of heard) superseded.delete(row.destination_id);
    return superseded;
  }

  /**
   * When each of these pages of the technician's may go (ms since the epoch), counting their pages
   * to the same channel already written. Holds a lock per technician until the transaction ends,
   * so that their parallel changes see each other's pages.
   */
  async slots(
    trx: Transaction<BrokerDatabase>,
    technicianId: string,
    messages: readonly OutboxMessage[],
    nowMs: number,
  ): Promise<Map<string, number>> {
    const slots = new Map<string, number>();
    if (messages.length === 0) return slots;
    await lockPerson(trx, 'pages', technicianId);
    const since = new Date(nowMs - this.budget.windowMs).toISOString();
    for (const channel of new Set(messages.map((message) => message.destinationId))) {
      const earlier = await trx
        .selectFrom('outbox as o')
        .innerJoin('calls as c', 'c.id', 'o.call_id')
        .select('o.next_attempt_at')
        .where('o.destination_kind', '=', 'chat')
        .where('o.destination_id', '=', channel)
        .where('c.technician_id', '=', technicianId)
        .where('o.status', '!=', 'superseded')
        .where('o.next_attempt_at', '>', since)
        .orderBy('o.next_attempt_at', 'desc')
        .limit(this.budget.limit)
        .execute();
      const ofChannel = messages.filter((message) => message.destinationId === channel);
      const due = pageSlots(
        earlier.map((row) => Date.parse(row.next_attempt_at)),
        ofChannel.length,
        nowMs,
        this.budget,
      );
      ofChannel.forEach((message, i) => slots.set(message.id, due[i]));
    }
    return slots;
  }

  /** After the rows are written: those whose slot is later than now become due then. */
  async defer(
    trx: Transaction<BrokerDatabase>,
    slots: ReadonlyMap<string, number>,
    nowMs: number,
  ): Promise<void> {
    for (const [id, slot] of slots) {
      if (slot <= nowMs) continue;
      await trx
        .updateTable('outbox')
        .set({ next_attempt_at: new Date(slot).toISOString() })
        .where('id', '=', id)
        .execute();
    }
  }
}
