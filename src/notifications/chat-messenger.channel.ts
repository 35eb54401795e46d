import type { Logger } from 'pino';
import { FormData } from 'undici';
import { SystemClock, type Clock } from '../common/clock.js';
import { ChannelHttp, resultOfStatus, type ChannelHttpSettings } from './channel-http.js';
import { renderCamBatch, renderCamMessage } from './channel-renderers.js';
import { NotificationChannel } from './notification-channel.port.js';
import {
  failed,
  type DeliveryResult,
  type MentionedPerson,
  type Notification,
} from './notification.js';

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

  /** Without a room, a message goes to the mentioned people's CAM emails only. */
  override reachesAlone(person: MentionedPerson): boolean {
    return this.settings.room === undefined && person.channels?.chatMessenger !== undefined;
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

  /**
   * `createQuickCall`: a web meeting open until `expiresAtMs` behind `password`, for when xAssist
   * cannot be reached. Resolves to the meeting's URL; throws with the reason when CAM gives none.
   */
  async createQuickCall(expiresAtMs: number, password: string): Promise<string> {
    let meetingUrl: string | undefined;
    const result = await this.http.deliver(
      'createQuickCall',
      {
        path: `${this.basePath}createQuickCall`,
        headers: {
          'x-cam-apiToken': this.settings.apiToken,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          expiredDate: String(expiresAtMs),
          password,
        }).toString(),
      },
      (answer) => {
        const status = resultOfStatus(answer, 'Chat&Messenger', this.clock.now());
        if (status.status !== 'sent') return status;
        meetingUrl = meetingUrlOf(answer.text);
        return meetingUrl ? status : failed('Chat&Messenger answered createQuickCall with no URL');
      },
    );
    if (result.status !== 'sent' || meetingUrl === undefined)
      throw new Error(`createQuickCall failed: ${'reason' in result ? result.reason : 'no URL'}`);
    return meetingUrl;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private withBody(result: DeliveryResult, body: string): DeliveryResult {
    return result.status === 'sent' ? { status: 'sent', detail: body.slice(0, 500) } : result;
  }
}

/**
 * The meeting URL in createQuickCall's answer, whose shape CAM does not document: the body
 * itself when it is a URL, else the first http(s) URL among a JSON answer's string values.
 */
export function meetingUrlOf(body: string): string | undefined {
  const isUrl = (value: unknown): value is string =>
    typeof value === 'string' && /^https?:\/\/\S+$/.test(value.trim());
  const trimmed = body.trim();
  if (isUrl(trimmed)) return trimmed;
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  const queue: unknown[] = [json];
  while (queue.length > 0) {
    const value = queue.shift();
    if (isUrl(value)) return value.trim();
    if (typeof value === 'object' && value !== null) queue.push(...Object.values(value));
  }
  return undefined;
}
