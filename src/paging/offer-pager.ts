import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DirectoryService } from '../directory/directory.service.js';
import type { Writer } from '../events/broker-events.js';
import { OnEvent } from '../events/on-event.js';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service.js';
import type { OutboxMessage } from '../outbox/outbox.model.js';
import type { OfferCreated } from '../routing/routing-facts.js';
import { SocketPresence } from '../routing/socket-presence.js';
import { addressPage, pagePayload } from './page-addressing.js';
import { PageFairness } from './page-fairness.js';
import { offerPageOf } from './paging-pages.js';
import { PagingService } from './paging.service.js';

/**
 * `offered` pages: when routing offers a call to an expert who has no dashboard socket open, one
 * outbox row (kind `chat`) per matching rule carries that expert's accept link. Written in the
 * offer's own transaction, so a crash keeps both or neither; the dispatcher then delivers it at
 * least once like any page. Whether a socket is open, the realtime layer answers (SocketPresence);
 * the decision is here.
 */
@Injectable()
export class OfferPager {
  constructor(
    private readonly paging: PagingService,
    private readonly directory: DirectoryService,
    private readonly fairness: PageFairness,
    private readonly dispatcher: OutboxDispatcher,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // Without the realtime layer nobody has a dashboard open.
    @Optional() private readonly sockets?: SocketPresence,
  ) {}

  @OnEvent('offer.created', 'in-transaction')
  async page({ offer, call }: OfferCreated, trx: Writer): Promise<void> {
    const queueId = call.queue?.id ?? null;
    const rules = this.paging.pagingRules.filter(
      (rule) => rule.on.includes('offered') && (rule.queue === '*' || rule.queue === queueId),
    );
    if (rules.length === 0) return;
    const expert = this.directory.find(offer.expertId);
    if (!expert) return;
    if (await this.sockets?.hasSocket(expert.id)) return; // the dashboard shows the offer
    const queue = queueId === null ? undefined : this.directory.queue(queueId);
    const draft = offerPageOf(call, queue, expert, offer, call.seq);
    const key = this.config.paging.acceptLinkSecret;
    const pages = rules.flatMap((rule) =>
      addressPage(draft, this.paging.channels.get(rule.channel)).map((page) => ({ page, rule })),
    );
    const messages: OutboxMessage[] = pages.map(({ page, rule }, position) => ({
      id: `page_${randomUUID()}`,
      destinationKind: 'chat',
      destinationId: rule.channel,
      ownerId: null,
      callId: call.id,
      seq: draft.seq,
      position,
      eventType: 'page.offered',
      payload: JSON.stringify(pagePayload(page, call.id, key)),
    }));
    const nowMs = this.clock.now();
    await this.fairness.addBefore(
      trx,
      call.technician.id,
      messages,
      nowMs,
      Date.parse(offer.expiresAt),
    );
  }

  /** The page is committed with its offer: deliver it now rather than at the next poll. */
  @OnEvent('offer.created', 'after-commit')
  wake(): void {
    this.dispatcher.wake();
  }
}
