import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Transaction } from 'kysely';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CallCommitKind } from '../calls/call-commit-hooks.js';
import type { CallRecord, CallUpdate } from '../calls/call.model.js';
import { FallbackMeetings, type FallbackMeeting } from '../calls/fallback-meetings.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { BrokerDatabase } from '../database/schema.js';
import { DirectoryService } from '../directory/directory.service.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { createChannel } from '../notifications/channel-factory.js';
import type { FallbackSettings, PagingRule } from '../notifications/channels-document.js';
import { ChannelsFileError } from '../notifications/channels-file.js';
import { ChatMessengerChannel } from '../notifications/chat-messenger.channel.js';
import type { NotificationChannel } from '../notifications/notification-channel.port.js';
import type { MentionedPerson } from '../notifications/notification.js';
import { OutboxStore } from '../outbox/kysely-outbox.store.js';
import type { OutboxMessage } from '../outbox/outbox.model.js';
import { addressPage, pagePayload } from './page-addressing.js';
import { PageFairness } from './page-fairness.js';
import { fallbackPageOf, pagesOf, type PageDraft } from './paging-pages.js';

/**
 * An outbox row's payload for a page: the broker's links are paths (the sender puts the broker's
 * URL first), another's (a web meeting) a whole URL.
 */
export interface PagePayload {
  title: string;
  lines: string[];
  mentions: MentionedPerson[];
  links: ({ label: string; path: string } | { label: string; url: string })[];
}

/**
 * What is paged to which chat channel (the rules of CHANNELS_FILE): decides the pages of each
 * committed call change and writes them into the outbox in its transaction; the channels
 * (transports) only deliver them.
 */
@Injectable()
export class PagingService implements OnModuleDestroy {
  readonly channels = new Map<string, NotificationChannel>();
  private rules: PagingRule[] = [];
  private fallback: FallbackSettings | null = null;
  private readonly logger: Logger;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly directory: DirectoryService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly fallbacks: FallbackMeetings,
    private readonly fairness: PageFairness,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'paging' });
  }

  /** Reads CHANNELS_FILE; a rule naming a queue the directory lacks fails start-up too. */
  load(): void {
    const { channels, rules, fallback } = this.config.paging.loadChannels();
    const unknown = rules.flatMap((rule, index) =>
      rule.queue === '*' || this.directory.queue(rule.queue)
        ? []
        : [
            `CHANNELS_FILE ${this.config.channelsFile}: paging.rules[${index}]: "queue" is "${rule.queue}", which is no queue of the directory`,
          ],
    );
    if (unknown.length > 0) throw new ChannelsFileError(unknown.join('\n'));
    for (const settings of channels)
      this.channels.set(settings.id, createChannel(settings, this.logger, this.clock));
    this.rules = rules;
    this.fallback = fallback;
    const cam = fallback && this.channels.get(fallback.channel);
    if (fallback && cam instanceof ChatMessengerChannel)
      this.fallbacks.use((call) => this.quickMeeting(cam, call, fallback.meetingMinutes));
    if (channels.length > 0)
      this.logger.info({ channels: channels.length, rules: rules.length }, 'chat channels ready');
  }

  /** Whether any commit may call for a page: rules, or a fallback whose meeting is paged. */
  get paging(): boolean {
    return this.rules.length > 0 || this.fallback !== null;
  }

  /** The rules read at start-up (the offer pager takes its `offered` ones). */
  get pagingRules(): readonly PagingRule[] {
    return this.rules;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.channels.values()].map((channel) => channel.close()));
  }

  /** A Chat&Messenger web meeting for a call xAssist could not create. */
  private async quickMeeting(
    cam: ChatMessengerChannel,
    call: CallRecord,
    minutes: number,
  ): Promise<FallbackMeeting> {
    const expiresAtMs = this.clock.now() + minutes * 60_000;
    const password = randomBytes(6).toString('base64url');
    const url = await cam.createQuickCall(expiresAtMs, password);
    this.logger.info({ callId: call.id }, 'xAssist unreachable: a fallback web meeting was made');
    return {
      provider: 'chatMessenger',
      url,
      password,
      expiresAt: new Date(expiresAtMs).toISOString(),
    };
  }

  /** The commit hook: one outbox row per page, in the change's transaction. */
  async enqueue(
    update: CallUpdate,
    trx: Transaction<BrokerDatabase>,
    kind: CallCommitKind,
  ): Promise<void> {
    if (kind === 'inserted' || !this.paging) return;
    const nowMs = this.clock.now();
    const now = new Date(nowMs).toISOString();
    // Where the request may have been announced: those pages are dropped once it stops waiting.
    const announcing = this.rules.filter((rule) =>
      rule.on.some((on) => on === 'queued' || on === 'escalated' || on === 'offered'),
    );
    const channels = [...new Set(announcing.map((rule) => rule.channel))];
    const unheard = await this.fairness.supersede(trx, update, channels, now);
    const people = this.directory.all();
    const drafts: PageDraft[] = pagesOf(update.call, update.events, {
      rules: this.rules,
      people,
      queue: (id) => this.directory.queue(id),
    }).filter((draft) => !(draft.event === 'ended' && unheard.has(draft.channel)));
    const fallbackPage = fallbackPageOf(update.call, update.events, people);
    if (this.fallback && fallbackPage)
      drafts.push({ ...fallbackPage, channel: this.fallback.channel });
    if (drafts.length === 0) return;
    const key = this.config.paging.acceptLinkSecret;
    const pages = drafts.flatMap((draft) =>
      addressPage(draft, this.channels.get(draft.channel)).map((page) => ({ ...draft, ...page })),
    );
    const messages: OutboxMessage[] = pages.map((page, position) => ({
      id: `page_${randomUUID()}`,
      destinationKind: 'chat',
      destinationId: page.channel,
      ownerId: null,
      callId: update.call.id,
      seq: page.seq,
      position,
      eventType: `page.${page.event}`,
      payload: JSON.stringify(pagePayload(page, update.call.id, key)),
    }));
    const slots = await this.fairness.slots(trx, update.call.technician.id, messages, nowMs);
    await this.outbox.add(trx, messages, now);
    await this.fairness.defer(trx, slots, nowMs);
  }
}
