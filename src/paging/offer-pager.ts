import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DirectoryService } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import type { Writer } from '../events/broker-events.js';
import { OnEvent } from '../events/on-event.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import type { PagingRule } from '../notifications/channels-document.js';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service.js';
import type { OutboxMessage } from '../outbox/outbox.model.js';
import type { OfferLookahead } from '../routing/offer-lookahead.js';
import type { OfferCreated } from '../routing/routing-facts.js';
import type { Offer } from '../routing/routing.model.js';
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
 * the decision is here. That answer may take a second (every instance is asked, through Redis),
 * so it is asked before the offers' transaction (an OfferLookahead), never inside it: the
 * transaction reads the answer kept for its offer, and an offer with none is paged.
 */
@Injectable()
export class OfferPager implements OfferLookahead {
  private readonly logger: Logger;
  /** Offer id → whether its expert had a dashboard open, asked before the offer's transaction. */
  private readonly dashboards = new Map<string, boolean>();

  constructor(
    private readonly paging: PagingService,
    private readonly directory: DirectoryService,
    private readonly fairness: PageFairness,
    private readonly dispatcher: OutboxDispatcher,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // The realtime layer answers (provided globally).
    private readonly sockets: SocketPresence,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'offer-pager' });
  }

  @OnEvent('offer.created', 'in-transaction')
  async page({ offer, call }: OfferCreated, trx: Writer): Promise<void> {
    const queueId = call.queue?.id ?? null;
    const rules = this.paging.pagingRules.filter(
      (rule) => rule.on.includes('offered') && (rule.queue === '*' || rule.queue === queueId),
    );
    if (rules.length === 0) return;
    const expert = this.directory.find(offer.expertId);
    if (!expert) return;
    if (this.dashboards.get(offer.id) === true) return; // the dashboard shows the offer
    let messages: OutboxMessage[];
    try {
      messages = this.messagesOf(offer, call, expert, rules);
    } catch (error) {
      // Never worth the offer: a page that cannot be made is logged, and the offer stands.
      this.logger.error({ err: error, offerId: offer.id }, 'making an offer page failed');
      return;
    }
    const nowMs = this.clock.now();
    await this.fairness.addBefore(
      trx,
      call.technician.id,
      messages,
      nowMs,
      Date.parse(offer.expiresAt),
    );
  }

  /** Before the offers' transaction: whose dashboards are open, when an `offered` rule may page. */
  async prepare(offers: readonly Offer[]): Promise<void> {
    if (!this.paging.pagingRules.some((rule) => rule.on.includes('offered'))) return;
    const asked = new Map<string, Promise<boolean>>();
    await Promise.all(
      offers.map(async (offer) => {
        if (!asked.has(offer.expertId))
          asked.set(offer.expertId, this.dashboardOpen(offer.expertId));
        this.dashboards.set(offer.id, await asked.get(offer.expertId)!);
      }),
    );
  }

  forget(offers: readonly Offer[]): void {
    for (const offer of offers) this.dashboards.delete(offer.id);
  }

  /**
   * Whether the expert has a dashboard socket open. A failed look-up counts as none: a page too
   * many beats an offer not made.
   */
  private async dashboardOpen(expertId: string): Promise<boolean> {
    try {
      return await this.sockets.hasSocket(expertId);
    } catch (error) {
      this.logger.warn({ err: error, expertId }, 'could not tell whether a dashboard is open');
      return false;
    }
  }

  private messagesOf(
    offer: OfferCreated['offer'],
    call: OfferCreated['call'],
    expert: Person,
    rules: readonly PagingRule[],
  ): OutboxMessage[] {
    const queueId = call.queue?.id ?? null;
    const queue = queueId === null ? undefined : this.directory.queue(queueId);
    const draft = offerPageOf(call, queue, expert, offer, call.seq);
    const key = this.config.paging.acceptLinkSecret;
    const pages = rules.flatMap((rule) =>
      addressPage(draft, this.paging.channels.get(rule.channel)).map((page) => ({ page, rule })),
    );
    return pages.map(({ page, rule }, position) => ({
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
  }

  /** The page is committed with its offer: deliver it now rather than at the next poll. */
  @OnEvent('offer.created', 'after-commit')
  wake(): void {
    this.dispatcher.wake();
  }
}
