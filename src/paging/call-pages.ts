import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CallCommitted } from '../calls/call-facts.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DirectoryService } from '../directory/directory.service.js';
import type { Writer } from '../events/broker-events.js';
import { OnEvent } from '../events/on-event.js';
import { OutboxStore } from '../outbox/kysely-outbox.store.js';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service.js';
import type { OutboxMessage } from '../outbox/outbox.model.js';
import { addressPage, pagePayload } from './page-addressing.js';
import { ANNOUNCING_EVENTS, PageFairness } from './page-fairness.js';
import { fallbackPageOf, pagesOf, type PageDraft } from './paging-pages.js';
import { PagingService } from './paging.service.js';

/**
 * The pages a committed call change calls for (CHANNELS_FILE's rules, and the fallback meeting),
 * one outbox row per page, written in the change's own transaction; the channels only deliver.
 */
@Injectable()
export class CallPages {
  constructor(
    private readonly paging: PagingService,
    private readonly outbox: OutboxStore,
    private readonly fairness: PageFairness,
    private readonly directory: DirectoryService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dispatcher: OutboxDispatcher,
  ) {}

  /** Pages the change wrote go out now rather than at the next poll. */
  @OnEvent('call.committed', 'after-commit')
  wake(): void {
    if (this.paging.paging) this.dispatcher.wake();
  }

  @OnEvent('call.committed', 'in-transaction')
  async write(committed: CallCommitted, trx: Writer): Promise<void> {
    if (!this.paging.paging) return;
    const { call, facts } = committed;
    const rules = this.paging.pagingRules;
    const fallback = this.paging.fallbackSettings;
    const nowMs = this.clock.now();
    const now = new Date(nowMs).toISOString();
    // Where the request may have been announced: those pages are dropped once it stops waiting.
    const announcing = rules.filter((rule) => rule.on.some((on) => ANNOUNCING_EVENTS.includes(on)));
    const channels = [...new Set(announcing.map((rule) => rule.channel))];
    const unheard = await this.fairness.supersede(trx, committed, channels, now);
    const people = this.directory.all();
    const drafts: PageDraft[] = pagesOf(call, facts, {
      rules,
      people,
      queue: (id) => this.directory.queue(id),
    }).filter((draft) => !(draft.event === 'ended' && unheard.has(draft.channel)));
    const fallbackPage = fallbackPageOf(call, facts, people);
    if (fallback && fallbackPage) drafts.push({ ...fallbackPage, channel: fallback.channel });
    if (drafts.length === 0) return;
    const key = this.config.paging.acceptLinkSecret;
    const pages = drafts.flatMap((draft) =>
      addressPage(draft, this.paging.channels.get(draft.channel)).map((page) => ({
        ...draft,
        ...page,
      })),
    );
    const messages: OutboxMessage[] = pages.map((page, position) => ({
      id: `page_${randomUUID()}`,
      destinationKind: 'chat',
      destinationId: page.channel,
      ownerId: null,
      callId: call.id,
      seq: page.seq,
      position,
      eventType: `page.${page.event}`,
      payload: JSON.stringify(pagePayload(page, call.id, key)),
    }));
    const slots = await this.fairness.slots(trx, call.technician.id, messages, nowMs);
    await this.outbox.add(trx, messages, now);
    await this.fairness.defer(trx, slots, nowMs);
  }
}
