import { randomBytes } from 'node:crypto';
import {
  formOf,
  jsonOf,
  StandInServer,
  type ReceivedRequest,
  type StandInAnswer,
} from './stand-in-server.js';

export interface RingCentralStandInOptions {
  clientId: string;
  clientSecret: string;
  /** The JWT credential the app was given; the grant must present exactly it. */
  jwt: string;
  /** Chats that exist. */
  chatIds: string[];
  /** Incoming-webhook tokens that exist (`/webhook/v2/<token>`). */
  webhookTokens?: string[];
  /** Lifetime of the access tokens it issues, in seconds. */
  expiresInSeconds?: number;
}

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * RingCentral: POST /restapi/oauth/token (Basic client auth, JWT grant) issues bearer tokens;
 * POST /team-messaging/v1/chats/{chatId}/posts requires one of them; POST /webhook/v2/<token>
 * is an incoming webhook. Records the grants, posts and webhook messages it accepted.
 */
export class RingCentralStandIn extends StandInServer {
  readonly posts: { chatId: string; text: string }[] = [];
  readonly webhookMessages: Record<string, unknown>[] = [];
  grants = 0;
  private tokens = new Set<string>();

  constructor(private readonly options: RingCentralStandInOptions) {
    super();
  }

  webhookUrl(token: string): string {
    return `${this.url}/webhook/v2/${token}`;
  }

  /** Every access token issued so far stops working (as after a revocation). */
  revokeTokens(): void {
    this.tokens = new Set();
  }

  protected async answer(request: ReceivedRequest): Promise<StandInAnswer> {
    if (request.method !== 'POST') return { status: 404, body: 'not found' };
    if (request.path === '/restapi/oauth/token') return this.grant(request);
    const post = /^\/team-messaging\/v1\/chats\/([^/]+)\/posts$/.exec(request.path);
    if (post) return this.post(request, decodeURIComponent(post[1]));
    const hook = /^\/webhook\/v2\/([^/]+)$/.exec(request.path);
    if (hook && (this.options.webhookTokens ?? []).includes(hook[1])) {
      const body = jsonOf(request.body) as Record<string, unknown> | undefined;
      if (!body || (typeof body.text !== 'string' && !Array.isArray(body.attachments)))
        return { status: 400, body: { status: 'error', message: 'text or attachments required' } };
      this.webhookMessages.push(body);
      return { status: 200, body: { status: 'OK' } };
    }
    return { status: 404, body: { errorCode: 'CMN-102', message: 'Resource not found' } };
  }

  private async grant(request: ReceivedRequest): Promise<StandInAnswer> {
    const expected = Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString(
      'base64',
    );
    if (request.headers.authorization !== `Basic ${expected}`)
      return {
        status: 401,
        body: { error: 'invalid_client', error_description: 'Invalid client' },
      };
    if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
      return { status: 415, body: { error: 'invalid_request' } };
    const form = await formOf(request);
    if (form.get('grant_type') !== JWT_GRANT)
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    if (form.get('assertion') !== this.options.jwt)
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid token' } };
    const token = randomBytes(16).toString('hex');
    this.tokens.add(token);
    this.grants += 1;
    return {
      status: 200,
      body: {
        access_token: token,
        token_type: 'bearer',
        expires_in: this.options.expiresInSeconds ?? 3600,
      },
    };
  }

  private post(request: ReceivedRequest, chatId: string): StandInAnswer {
    const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    if (!bearer || !this.tokens.has(bearer))
      return { status: 401, body: { errorCode: 'TokenInvalid', message: 'Token not found' } };
    if (!this.options.chatIds.includes(chatId))
      return { status: 404, body: { errorCode: 'TMN-001', message: 'Chat not found' } };
    const body = jsonOf(request.body) as { text?: unknown } | undefined;
    if (typeof body?.text !== 'string' || body.text === '')
      return { status: 400, body: { errorCode: 'TMN-002', message: 'text required' } };
    this.posts.push({ chatId, text: body.text });
    return {
      status: 201,
      body: { id: String(this.posts.length), type: 'TextMessage', text: body.text },
    };
  }
}
