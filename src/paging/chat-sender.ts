import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { Notification } from '../notifications/notification.js';
import { OutboxSenderOf, type OutboxPolicy, type OutboxSender } from '../outbox/outbox-sender.js';
import type { AttemptOutcome, Delivery } from '../outbox/outbox.model.js';
import { wipePageSecrets } from './page-secrets.js';
import type { PagePayload } from './paging.service.js';
import { PagingService } from './paging.service.js';

/**
 * A page is retried for 15 minutes from its first attempt at most: later it reports what is long
 * over (an `offered` page ends sooner, with its offer).
 */
export const PAGE_TTL_MS = 15 * 60_000;

/**
 * Delivers `chat` outbox rows through the channel they name. The row's id is the message's id,
 * the same on every retry (DingTalk's msgUuid), so a vendor that deduplicates shows it once.
 */
@Injectable()
@OutboxSenderOf('chat')
export class ChatSender implements OutboxSender {
  readonly policy: OutboxPolicy;

  constructor(
    private readonly paging: PagingService,
    private readonly http: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.policy = { retry: config.outbox.retry, ttlMs: PAGE_TTL_MS };
  }

  async deliver(delivery: Delivery, paced: () => Promise<void>): Promise<AttemptOutcome> {
    const channel = this.paging.channels.get(delivery.destinationId);
    if (!channel)
      return {
        status: 'failed',
        reason: `no channel "${delivery.destinationId}" in CHANNELS_FILE`,
      };
    const page = JSON.parse(delivery.payload) as PagePayload;
    const base = this.baseUrl();
    const message: Notification = {
      id: delivery.id,
      title: page.title,
      lines: page.lines,
      mentions: page.mentions,
      // Links stay links (a button, `[label](url)`), never lines: lines are people's text.
      links: page.links.map((link) =>
        'url' in link ? link : { label: link.label, url: `${base}${link.path}` },
      ),
    };
    await paced();
    return channel.send(message);
  }

  /** Pages have no "gone": a vendor's permanent refusal is a failed row. */
  async gone(): Promise<void> {}

  /** A settled page keeps its text, not its accept links nor a meeting's password. */
  wipe(payload: string): string {
    return wipePageSecrets(payload);
  }

  /** PUBLIC_URL, else the address this broker listens on. */
  private baseUrl(): string {
    if (this.config.paging.publicUrl) return this.config.paging.publicUrl;
    const address = this.http.httpAdapter.getHttpServer().address() as AddressInfo | null;
    if (!address) return `http://localhost:${this.config.port}`;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host === '[::]' || host === '0.0.0.0' ? 'localhost' : host}:${address.port}`;
  }
}
