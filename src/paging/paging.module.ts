import { Module, type OnModuleInit } from '@nestjs/common';
import { CallCommitHooks } from '../calls/call-commit-hooks.js';
import { CallUpdatesBus } from '../calls/call-updates.bus.js';
import { CallsModule } from '../calls/calls.module.js';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { RealtimeModule } from '../realtime/realtime.module.js';
import { RoutingModule } from '../routing/routing.module.js';
import { AcceptController } from './accept.controller.js';
import { AcceptLinks } from './accept-links.service.js';
import { ChatSender } from './chat-sender.js';
import { OfferPager } from './offer-pager.js';
import { PageFairness } from './page-fairness.js';
import { PagingService } from './paging.service.js';

/** Chat paging (issue 12): pages through the outbox to CHANNELS_FILE's channels, accept links. */
@Module({
  imports: [CallsModule, OutboxModule, RoutingModule, RealtimeModule],
  controllers: [AcceptController],
  providers: [PagingService, ChatSender, AcceptLinks, OfferPager, PageFairness],
})
export class PagingModule implements OnModuleInit {
  constructor(
    private readonly hooks: CallCommitHooks,
    private readonly dispatcher: OutboxDispatcher,
    private readonly paging: PagingService,
    private readonly bus: CallUpdatesBus,
    private readonly offers: OfferPager,
  ) {}

  onModuleInit(): void {
    this.paging.load();
    // Until the event system lands: a committed call change may have written pages.
    this.bus.subscribe(() => this.dispatcher.wake());
    if (this.paging.paging)
      this.hooks.register((update, trx, kind) => this.paging.enqueue(update, trx, kind));
    this.offers.start(this.paging.pagingRules, (id) => this.paging.channels.get(id));
  }
}
