import type { Logger } from 'pino';
import { SystemClock, type Clock } from '../common/clock.js';
import { ChannelHttp, resultOfStatus, type ChannelHttpSettings } from './channel-http.js';
import { renderTeamsCard } from './channel-renderers.js';
import { NotificationChannel } from './notification-channel.port.js';
import type { DeliveryResult, Notification } from './notification.js';

export interface TeamsSettings {
  id: string;
  /** A Workflows "when a webhook request is received" URL, authorised by its `sig` parameter. */
  webhookUrl: string;
  http: ChannelHttpSettings;
}

/** A Microsoft Teams channel through a Workflows webhook: one Adaptive Card per message. */
export class TeamsWorkflowChannel extends NotificationChannel {
  readonly vendor = 'teams' as const;
  readonly id: string;
  private readonly http: ChannelHttp;
  private readonly url: URL;

  constructor(
    settings: TeamsSettings,
    logger: Logger,
    private readonly clock: Clock = new SystemClock(),
  ) {
    super();
    this.id = settings.id;
    this.url = new URL(settings.webhookUrl);
    this.http = new ChannelHttp(this.url.origin, settings.http, logger, 'Teams');
  }

  send(message: Notification): Promise<DeliveryResult> {
    return this.http.deliver(
      'workflow webhook',
      {
        path: `${this.url.pathname}${this.url.search}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(renderTeamsCard(message)),
      },
      (answer) => resultOfStatus(answer, 'Teams', this.clock.now()),
    );
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
