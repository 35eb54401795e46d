import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DirectoryService } from '../directory/directory.service.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import type { PagingRule } from '../notifications/channels-document.js';
import type { NotificationChannel } from '../notifications/notification-channel.port.js';
import type { OutboxMessage } from '../outbox/outbox.model.js';
import { RoutingNotices, type RoutingNoticeMap } from '../routing/routing-notices.js';
import { SocketPresence } from '../routing/socket-presence.js';
import { addressPage, pagePayload } from './page-addressing.js';
import { PageFairness } from './page-fairness.js';
import { offerPageOf } from './paging-pages.js';

/**
 * `offered` pages: when routing offers a call to an expert who has no dashboard socket open, one
 * outbox row (kind `chat`) per matching rule carries that expert's accept link, so the dispatcher
 * delivers it with retries. The gateway only says whether a socket is open; the decision is here.
 */
@Injectable()
export class OfferPager implements OnModuleDestroy {
  private rules: PagingRule[] = [];
  /** The channel of a rule, to know whom it reaches (the paging service's, given at start). */
  private channels: (id: string) => NotificationChannel | undefined = () => undefined;
  private unsubscribe?: () => void;
  private readonly logger: Logger;
  /** Pages being written, for settled(). */
  private readonly writing = new Set<Promise<void>>();

  constructor(
    private readonly notices: RoutingNotices,
    private readonly sockets: SocketPresence,
    private readonly directory: DirectoryService,
    private readonly clock: Clock,
    private readonly fairness: PageFairness,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'offer-pager' });
  }

  /** Listens to offers when some rule pages `offered`. */
  start(
    rules: readonly PagingRule[],
    channels: (id: string) => NotificationChannel | undefined,
  ): void {
    this.rules = rules.filter((rule) => rule.on.includes('offered'));
    this.channels = channels;
    if (this.rules.length === 0) return;
    this.unsubscribe = this.notices.on('offer.created', (notice) => {
      const written: Promise<void> = this.page(notice)
        .catch((error: unknown) =>
          this.logger.error(
            { err: error, offerId: notice.offer.id, expertId: notice.offer.expertId },
            'paging an offer failed',
          ),
        )
        .finally(() => this.writing.delete(written));
      this.writing.add(written);
    });
  }

  /** Resolves once every offer told so far is paged or left unpaged (tests wait on it). */
  async settled(): Promise<void> {
    while (this.writing.size > 0) await Promise.allSettled([...this.writing]);
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Resolves once the row is written (or nothing is to be paged). */
  async page({ offer, call }: RoutingNoticeMap['offer.created']): Promise<void> {
    const queueId = call.queue?.id ?? null;
    const rules = this.rules.filter((rule) => rule.queue === '*' || rule.queue === queueId);
    if (rules.length === 0) return;
    const expert = this.directory.find(offer.expertId);
    if (!expert) return;
    if (await this.sockets.hasSocket(expert.id)) return; // the dashboard shows the offer
    const queue = queueId === null ? undefined : this.directory.queue(queueId);
    const draft = offerPageOf(call, queue, expert, offer, call.seq);
    const key = this.config.paging.acceptLinkSecret;
    const pages = rules.flatMap((rule) =>
      addressPage(draft, this.channels(rule.channel)).map((page) => ({ page, rule })),
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
    // Its own transaction: an offer is routing's decision, not a call change (no call event,
    // no commit hook), so there is no call transaction to join. Once committed, the dispatcher
    // delivers it at least once like any page.
    await this.fairness.addBefore(
      call.technician.id,
      messages,
      this.clock.now(),
      Date.parse(offer.expiresAt),
    );
  }
}
