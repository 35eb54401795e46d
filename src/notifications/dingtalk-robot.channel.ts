import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import { SystemClock, type Clock } from '../common/clock.js';
import {
  ChannelHttp,
  resultOfStatus,
  type ChannelHttpSettings,
  type HttpAnswer,
} from './channel-http.js';
import { renderDingTalk, type DingTalkStyle } from './channel-renderers.js';
import { NotificationChannel } from './notification-channel.port.js';
import {
  failed,
  retryAfter,
  sent,
  type DeliveryResult,
  type Notification,
} from './notification.js';

export interface DingTalkSettings {
  id: string;
  /** The robot's webhook: `https://oapi.dingtalk.com/robot/send?access_token=<token>`. */
  webhookUrl: string;
  /** The robot's signing secret (`SEC...`); unset when the robot is secured otherwise. */
  secret?: string;
  style: DingTalkStyle;
  http: ChannelHttpSettings;
}

/** DingTalk's limit per robot; past it the robot is throttled for ten minutes. */
export const DINGTALK_MESSAGES_PER_MINUTE = 20;
export const DINGTALK_THROTTLE_MS = 10 * 60_000;
const MINUTE_MS = 60_000;

/** base64(HmacSHA256(key=secret, `${timestamp}\n${secret}`)); the caller URL-encodes it. */
export function dingTalkSignature(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

/**
 * A DingTalk custom group robot. It keeps under 20 messages a minute itself: past that, send()
 * answers retry-after until a slot frees, and the waiting messages go as ONE through sendBatch
 * (aggregated, never dropped).
 */
export class DingTalkRobotChannel extends NotificationChannel {
  readonly vendor = 'dingtalk' as const;
  readonly id: string;
  private readonly http: ChannelHttp;
  private readonly url: URL;
  /** When this instance sent, over the last minute. */
  private sentAt: number[] = [];
  private throttledUntil = 0;

  constructor(
    private readonly settings: DingTalkSettings,
    logger: Logger,
    private readonly clock: Clock = new SystemClock(),
  ) {
    super();
    this.id = settings.id;
    this.url = new URL(settings.webhookUrl);
    this.http = new ChannelHttp(this.url.origin, settings.http, logger, 'DingTalk');
  }

  async send(message: Notification): Promise<DeliveryResult> {
    const now = this.clock.now();
    if (now < this.throttledUntil)
      return retryAfter(this.throttledUntil - now, 'DingTalk throttles this robot (130101)');
    this.sentAt = this.sentAt.filter((at) => at > now - MINUTE_MS);
    if (this.sentAt.length >= DINGTALK_MESSAGES_PER_MINUTE) {
      return retryAfter(
        this.sentAt[0] + MINUTE_MS - now,
        `this robot sent ${DINGTALK_MESSAGES_PER_MINUTE} messages in the last minute; send the waiting ones as one batch`,
      );
    }
    this.sentAt.push(now);
    return this.http.deliver(
      'robot/send',
      {
        path: this.signedPath(now),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(renderDingTalk(message, this.settings.style)),
      },
      (answer) => this.interpret(answer),
    );
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private signedPath(timestamp: number): string {
    const path = `${this.url.pathname}${this.url.search}`;
    if (!this.settings.secret) return path;
    const sign = encodeURIComponent(dingTalkSignature(this.settings.secret, timestamp));
    return `${path}&timestamp=${timestamp}&sign=${sign}`;
  }

  /** DingTalk answers 200 to everything; its errcode says what happened. */
  private interpret(answer: HttpAnswer): DeliveryResult {
    if (answer.status !== 200) return resultOfStatus(answer, 'DingTalk', this.clock.now());
    let body: { errcode?: unknown; errmsg?: unknown };
    try {
      body = JSON.parse(answer.text) as typeof body;
    } catch {
      return retryAfter(0, `DingTalk answered 200 without JSON: ${answer.text.slice(0, 100)}`);
    }
    const errmsg = typeof body?.errmsg === 'string' ? body.errmsg : '';
    switch (body?.errcode) {
      case 0:
        return sent('DingTalk errcode 0');
      case 310000:
        return failed(
          `DingTalk refused the robot call (310000 ${errmsg}): keyword, timestamp, signature or IP allow-list`,
        );
      case 130101:
        this.throttledUntil = this.clock.now() + DINGTALK_THROTTLE_MS;
        return retryAfter(DINGTALK_THROTTLE_MS, `DingTalk throttles this robot (130101 ${errmsg})`);
      case -1:
        return retryAfter(0, `DingTalk is busy (-1 ${errmsg})`);
      default:
        return failed(`DingTalk refused the message (${String(body?.errcode)} ${errmsg})`);
    }
  }
}
