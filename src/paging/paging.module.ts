import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module.js';
import { FallbackMeetingMaker } from '../calls/fallback-meetings.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { OfferLookaheads } from '../routing/offer-lookahead.js';
import { RoutingModule } from '../routing/routing.module.js';
import { AcceptController } from './accept.controller.js';
import { AcceptLinks } from './accept-links.service.js';
import { AppointmentPages } from './appointment-pages.js';
import { CallPages } from './call-pages.js';
import { ChatSender } from './chat-sender.js';
import { OfferPager } from './offer-pager.js';
import { PageFairness } from './page-fairness.js';
import { PagingService } from './paging.service.js';

/**
 * Chat paging: pages through the outbox to CHANNELS_FILE's channels, accept links. Global for
 * one port: call creation asks it for fallback web meetings without importing paging. The offer
 * pager joins routing's offer lookaheads here (asked before an offer round's transaction).
 */
@Global()
@Module({
  imports: [CallsModule, OutboxModule, RoutingModule],
  controllers: [AcceptController],
  providers: [
    PagingService,
    { provide: FallbackMeetingMaker, useExisting: PagingService },
    ChatSender,
    AcceptLinks,
    CallPages,
    AppointmentPages,
    OfferPager,
    PageFairness,
  ],
  exports: [FallbackMeetingMaker],
})
export class PagingModule implements OnModuleInit {
  constructor(
    private readonly paging: PagingService,
    private readonly lookaheads: OfferLookaheads,
    private readonly offerPager: OfferPager,
  ) {}

  onModuleInit(): void {
    this.paging.load();
    this.lookaheads.add(this.offerPager);
  }
}
