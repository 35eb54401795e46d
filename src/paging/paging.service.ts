import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CallRecord } from '../calls/call.model.js';
import { FallbackMeetingMaker, type FallbackMeeting } from '../calls/fallback-meetings.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DirectoryService } from '../directory/directory.service.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { createChannel } from '../notifications/channel-factory.js';
import {
  loadChannelsDocument,
  NO_CHANNELS,
  type FallbackSettings,
  type PagingRule,
} from '../notifications/channels-document.js';
import { ChannelsFileError } from '../notifications/channels-file.js';
import { ChatMessengerChannel } from '../notifications/chat-messenger.channel.js';
import type { NotificationChannel } from '../notifications/notification-channel.port.js';
import type { MentionedPerson } from '../notifications/notification.js';

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
 * CHANNELS_FILE at work: its channels, its paging rules (call-pages.ts and offer-pager.ts write
 * the pages they call for), and its `fallback` channel, which makes web meetings for calls
 * xAssist could not create (the calls module asks through FallbackMeetingMaker).
 */
@Injectable()
export class PagingService extends FallbackMeetingMaker implements OnModuleDestroy {
  readonly channels = new Map<string, NotificationChannel>();
  private rules: PagingRule[] = [];
  private fallback: FallbackSettings | null = null;
  private readonly logger: Logger;

  constructor(
    private readonly directory: DirectoryService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    super();
    this.logger = logger.child({ component: 'paging' });
  }

  /** Reads CHANNELS_FILE; a rule naming a queue the directory lacks fails start-up too. */
  load(): void {
    const { channels, rules, fallback } =
      this.config.paging.readChannelsFile(loadChannelsDocument) ?? NO_CHANNELS;
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
    if (channels.length > 0)
      this.logger.info({ channels: channels.length, rules: rules.length }, 'chat channels ready');
  }

  private meetings(): { cam: ChatMessengerChannel; minutes: number } | undefined {
    const cam = this.fallback && this.channels.get(this.fallback.channel);
    if (!this.fallback || !(cam instanceof ChatMessengerChannel)) return undefined;
    return { cam, minutes: this.fallback.meetingMinutes };
  }

  /** The fallback channel's settings, when one is configured. */
  get fallbackSettings(): FallbackSettings | null {
    return this.fallback;
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

  /** FallbackMeetingMaker: whether CHANNELS_FILE names a Chat&Messenger `fallback` channel. */
  get configured(): boolean {
    return this.meetings() !== undefined;
  }

  /** FallbackMeetingMaker: a Chat&Messenger web meeting for a call xAssist could not create. */
  async make(call: CallRecord): Promise<FallbackMeeting> {
    const tool = this.meetings();
    if (!tool) throw new Error('no fallback channel is configured');
    const { cam, minutes } = tool;
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
}
