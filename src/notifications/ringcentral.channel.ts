import type { Logger } from 'pino';
import { SystemClock, type Clock } from '../common/clock.js';
import {
  ChannelHttp,
  resultOfStatus,
  type ChannelHttpSettings,
  type HttpAnswer,
} from './channel-http.js';
import { renderRingCentralPost, renderRingCentralWebhook } from './channel-renderers.js';
import { NotificationChannel } from './notification-channel.port.js';
import { failed, type DeliveryResult, type Notification } from './notification.js';

/** Without an app: an incoming-webhook URL; nobody can be mentioned, names are written. */
export interface RingCentralWebhookSettings {
  id: string;
  mode: 'webhook';
  webhookUrl: string;
  http: ChannelHttpSettings;
}

/** With an app (JWT grant): posts to one chat through REST, mentioning people by personId. */
export interface RingCentralAppSettings {
  id: string;
  mode: 'app';
  /** `https://platform.ringcentral.com` */
  serverUrl: string;
  clientId: string;
  clientSecret: string;
  jwt: string;
  chatId: string;
  http: ChannelHttpSettings;
}

export type RingCentralSettings = RingCentralWebhookSettings | RingCentralAppSettings;

interface AccessToken {
  value: string;
  expiresAt: number;
}

/** Renew this long before RingCentral's expiry, so a post never carries a token about to lapse. */
const TOKEN_MARGIN_MS = 60_000;
const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** RingCentral Team Messaging; honours 429 Retry-After on every request, the token's included. */
export class RingCentralChannel extends NotificationChannel {
  readonly vendor = 'ringcentral' as const;
  readonly id: string;
  private readonly http: ChannelHttp;
  private readonly url: URL;
  private token?: AccessToken;
  /** The JWT grant under way, shared by every send that needs a token meanwhile. */
  private granting?: Promise<string | DeliveryResult>;

  constructor(
    private readonly settings: RingCentralSettings,
    logger: Logger,
    private readonly clock: Clock = new SystemClock(),
  ) {
    super();
    this.id = settings.id;
    this.url = new URL(settings.mode === 'webhook' ? settings.webhookUrl : settings.serverUrl);
    this.http = new ChannelHttp(this.url.origin, settings.http, logger, 'RingCentral');
  }

  async send(message: Notification): Promise<DeliveryResult> {
    if (this.settings.mode === 'webhook') {
      return this.http.deliver(
        'incoming webhook',
        {
          path: `${this.url.pathname}${this.url.search}`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(renderRingCentralWebhook(message)),
        },
        (answer) => resultOfStatus(answer, 'RingCentral', this.clock.now()),
      );
    }
    const first = await this.post(this.settings, message);
    if (first !== 'unauthorized') return first;
    // The token was revoked or expired early: one new grant, one more try.
    const second = await this.post(this.settings, message);
    return second === 'unauthorized'
      ? failed('RingCentral refused a freshly granted token (401)')
      : second;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async post(
    settings: RingCentralAppSettings,
    message: Notification,
  ): Promise<DeliveryResult | 'unauthorized'> {
    const token = await this.accessToken(settings);
    if (typeof token !== 'string') return token;
    let unauthorized = false;
    const result = await this.http.deliver(
      'posts',
      {
        path: `/team-messaging/v1/chats/${encodeURIComponent(settings.chatId)}/posts`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(renderRingCentralPost(message)),
      },
      (answer) => {
        unauthorized = answer.status === 401;
        return resultOfStatus(answer, 'RingCentral', this.clock.now());
      },
    );
    if (!unauthorized) return result;
    // Only the token that was refused: another send may have been granted a new one meanwhile.
    if (this.token?.value === token) this.token = undefined;
    return 'unauthorized';
  }

  /**
   * The cached access token, or a new one from the JWT grant; a DeliveryResult when refused.
   * Single flight: sends needing a token at the same time share one grant.
   */
  private accessToken(settings: RingCentralAppSettings): Promise<string | DeliveryResult> {
    if (this.token && this.token.expiresAt > this.clock.now())
      return Promise.resolve(this.token.value);
    this.granting ??= this.grant(settings).finally(() => {
      this.granting = undefined;
    });
    return this.granting;
  }

  private async grant(settings: RingCentralAppSettings): Promise<string | DeliveryResult> {
    let granted: AccessToken | undefined;
    const basic = Buffer.from(`${settings.clientId}:${settings.clientSecret}`).toString('base64');
    const result = await this.http.deliver(
      'oauth/token',
      {
        path: '/restapi/oauth/token',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: JWT_GRANT, assertion: settings.jwt }).toString(),
      },
      (answer) => {
        granted = this.tokenFrom(answer);
        if (granted || answer.status !== 200) return this.grantResult(answer);
        return failed('RingCentral answered the JWT grant without an access_token');
      },
    );
    if (!granted) return result;
    this.token = granted;
    return granted.value;
  }

  private tokenFrom(answer: HttpAnswer): AccessToken | undefined {
    if (answer.status !== 200) return undefined;
    try {
      const body = JSON.parse(answer.text) as { access_token?: unknown; expires_in?: unknown };
      if (typeof body.access_token !== 'string' || body.access_token === '') return undefined;
      const seconds = typeof body.expires_in === 'number' ? body.expires_in : 3600;
      return {
        value: body.access_token,
        expiresAt: this.clock.now() + seconds * 1000 - TOKEN_MARGIN_MS,
      };
    } catch {
      return undefined;
    }
  }

  /** A refused grant (400 invalid_grant, 401 bad client) will be refused again: permanent. */
  private grantResult(answer: HttpAnswer): DeliveryResult {
    if (answer.status === 400 || answer.status === 401)
      return failed(
        `RingCentral refused the JWT grant (${answer.status}): ${answer.text.slice(0, 200)}`,
      );
    return resultOfStatus(answer, 'RingCentral', this.clock.now());
  }
}
