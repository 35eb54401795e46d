import type { Logger } from 'pino';
import { FormData } from 'undici';
import { SystemClock, type Clock } from '../common/clock.js';
import { ChannelHttp, resultOfStatus, type ChannelHttpSettings } from './channel-http.js';
import { renderCamBatch, renderCamMessage } from './channel-renderers.js';
import { NotificationChannel } from './notification-channel.port.js';
import { failed, type DeliveryResult, type Notification } from './notification.js';

export interface ChatMessengerSettings {
  id: string;
  /** The CAM API's base, e.g. `http://cam.acme.local:8080/api` on premises. */
  serverUrl: string;
  apiToken: string;
  /** A chat room's name; unset: direct messages (panel "messenger") to the mentioned people. */
  room?: string;
  http: ChannelHttpSettings;
}

/** The multipart field carrying sendMessages' JSON file (the contract does not name it). */
export const CAM_BATCH_FILE_FIELD = 'file';

/**
 * Chat&Messenger: `sendMessage` with header x-cam-apiToken and a form-encoded `message=<JSON>`;
 * direct batches through `sendMessages`. Its answers are not documented: a 2xx is sent, and the
 * body is kept in the result's detail (and so in the log).
 */
export class ChatMessengerChannel extends NotificationChannel {
  readonly vendor = 'chatMessenger' as const;
  readonly id: string;
  private readonly http: ChannelHttp;
  private readonly basePath: string;

  constructor(
    private readonly settings: ChatMessengerSettings,
    logger: Logger,
    private readonly clock: Clock = new SystemClock(),
  ) {
    super();
    this.id = settings.id;
    const url = new URL(settings.serverUrl);
    this.basePath = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    this.http = new ChannelHttp(url.origin, settings.http, logger, 'Chat&Messenger');
  }

  async send(message: Notification): Promise<DeliveryResult> {
    const rendered = renderCamMessage(message, this.settings.room);
    if (this.settings.room === undefined && rendered.generalPurposes.users === '')
      return failed(
        'no mentioned person has a Chat&Messenger email: a direct message has nobody to go to',
      );
    return this.http.deliver(
      'sendMessage',
      {
        path: `${this.basePath}sendMessage`,
        headers: {
          'x-cam-apiToken': this.settings.apiToken,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ message: JSON.stringify(rendered) }).toString(),
      },
      (answer) =>
        this.withBody(resultOfStatus(answer, 'Chat&Messenger', this.clock.now()), answer.text),
    );
  }

  /** Direct messages go as one sendMessages file; a room's as one combined message. */
  override async sendBatch(messages: readonly Notification[]): Promise<DeliveryResult> {
    if (this.settings.room !== undefined || messages.length === 1) return super.sendBatch(messages);
    const batch = renderCamBatch(messages).filter(
      (entry) => (entry as { property: { users: string } }).property.users !== '',
    );
    if (batch.length === 0)
      return failed(
        'no mentioned person has a Chat&Messenger email: the batch has nobody to go to',
      );
    const form = new FormData();
    form.set(
      CAM_BATCH_FILE_FIELD,
      new Blob([JSON.stringify(batch)], { type: 'application/json;charset=utf-8' }),
      'messages.json',
    );
    return this.http.deliver(
      'sendMessages',
      {
        path: `${this.basePath}sendMessages`,
        headers: { 'x-cam-apiToken': this.settings.apiToken },
        body: form,
      },
      (answer) =>
        this.withBody(resultOfStatus(answer, 'Chat&Messenger', this.clock.now()), answer.text),
    );
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private withBody(result: DeliveryResult, body: string): DeliveryResult {
    return result.status === 'sent' ? { status: 'sent', detail: body.slice(0, 500) } : result;
  }
}
