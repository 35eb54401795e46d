import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { RateLimiter } from '../cluster/shared-rate-limiter.js';
import { BrokerError, ForbiddenError, NotFoundError } from '../common/broker-error.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig, type DashboardSignInConfig } from '../config/app-config.js';
import { AuthService } from './auth.service.js';
import { TokenError } from './jwt.js';
import {
  OidcSignIn,
  SessionEndedError,
  SignInRefusedError,
  SignInUnavailableError,
} from './oidc-sign-in.js';
import {
  FLOW_COOKIE,
  SESSION_COOKIE,
  SignInCookieSealer,
  readCookies,
  setCookie,
  type SignInSession,
} from './sign-in-cookies.js';

/** What the sign-in page may offer: the company account, a pasted token, or both. */
export interface SignInOptions {
  /** Set when AUTH_CLIENT_ID is: the button says "Sign in with <providerName>". */
  provider: { name: string; loginPath: string } | null;
  /** AUTH_JWT_SECRET is set: a token from `npm run token` opens the dashboard. */
  sharedSecretTokens: boolean;
}

/** A fresh access token for the page, which it uses as a pasted one (Bearer, socket auth). */
export interface PageToken {
  accessToken: string;
  /** ISO-8601: the token's `exp`; the page renews before it. */
  expiresAt: string;
  personId: string;
}

/** What a route answers: a body or a redirect, and the cookies to set. */
export interface SignInAnswer<T = undefined> {
  body?: T;
  redirect?: string;
  cookies: string[];
}

/** A sign-in that ended on the way back from the provider: the page saying so. */
export interface SignInFailure {
  title: string;
  message: string;
  cookies: string[];
}

const FLOW_PATH = '/auth';

/**
 * POST /auth/token per session: a page renews once per access token's life per tab, again on a
 * reload or a reconnect; these let a few tabs and reloads through at once, then one every 6 s,
 * so a page gone wild (or a stolen cookie in a loop) cannot hammer the provider's token endpoint.
 */
export const RENEWAL_BURST = 10;
const RENEWALS_PER_SECOND = 1 / 6;

/**
 * The dashboard's sign-in as a backend for the page (docs/security.md › Dashboard sign-in): the
 * refresh token stays in a sealed HttpOnly cookie, the page only ever gets short-lived access
 * tokens, which the broker verifies like any other before handing them out.
 */
@Injectable()
export class DashboardSignIn {
  private readonly settings: DashboardSignInConfig | undefined;
  private readonly client: OidcSignIn | undefined;
  private readonly sealer: SignInCookieSealer | undefined;
  private readonly secure: boolean;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly clock: Clock,
    private readonly limiter: RateLimiter,
  ) {
    const oidc = config.auth.oidc;
    this.settings = oidc?.signIn;
    this.client = oidc?.signIn && new OidcSignIn(oidc.issuer, oidc.signIn);
    this.sealer = oidc?.signIn && new SignInCookieSealer(oidc.signIn.sessionSecret);
    this.secure = this.settings?.publicUrl.startsWith('https:') ?? false;
  }

  /**
   * The callback as the provider was told it (the redirect URI, whatever proxy is in front)
   * with the query the browser brought: openid-client checks the one and reads the other.
   */
  callbackUrl(requestUrl: string): URL {
    const url = new URL(this.configured().client.redirectUri);
    url.search = new URL(requestUrl, url).search;
    return url;
  }

  options(): SignInOptions {
    return {
      provider: this.settings
        ? { name: this.settings.providerName, loginPath: '/auth/login' }
        : null,
      sharedSecretTokens: this.config.auth.jwtSecret !== undefined,
    };
  }

  async login(): Promise<SignInAnswer> {
    const { client, sealer } = this.configured();
    const { url, flow } = await client.start(this.clock.now());
    const cookie = this.cookie(
      FLOW_COOKIE,
      sealer.sealFlow(flow),
      (flow.expiresAt - this.clock.now()) / 1000,
    );
    return { redirect: url.toString(), cookies: [cookie] };
  }

  /** Back from the provider: a session cookie and the dashboard, or a SignInFailure to show. */
  async callback(callbackUrl: URL, cookieHeader: string | undefined): Promise<SignInAnswer> {
    const { client, sealer, settings } = this.configured();
    const cleared = [this.cookie(FLOW_COOKIE, '', 0)];
    const flow = sealer.openFlow(readCookies(cookieHeader).get(FLOW_COOKIE), this.clock.now());
    if (!flow) {
      throw failure(
        'Sign-in expired',
        'This sign-in was started too long ago, or in another browser. Start it again.',
        cleared,
      );
    }
    try {
      const tokens = await client.finish(callbackUrl, flow);
      const { person } = await this.auth.authenticate(tokens.accessToken);
      const session: SignInSession = {
        refreshToken: tokens.refreshToken!,
        idToken: tokens.idToken,
        personId: person.id,
        sessionId: randomUUID(),
        expiresAt: this.clock.now() + settings.sessionMaxAgeMs,
      };
      return { redirect: '/', cookies: [...cleared, this.sessionCookie(session)] };
    } catch (error) {
      if (error instanceof SignInRefusedError) {
        const title = error.kind === 'refused' ? 'Sign-in was refused' : 'Sign-in failed';
        throw failure(title, `${settings.providerName} answered: ${error.message}`, cleared);
      }
      if (error instanceof TokenError) {
        const message = `You signed in at ${settings.providerName}, but the broker does not accept the token: ${error.message}. Ask an administrator.`;
        throw failure('Signed in, but not let in', message, cleared);
      }
      throw error;
    }
  }

  /** POST /auth/token: a fresh access token, from the session cookie's refresh token. */
  async token(
    cookieHeader: string | undefined,
    origin: string | undefined,
  ): Promise<SignInAnswer<PageToken>> {
    const { client, sealer } = this.configured();
    this.requireSameOrigin(origin);
    const session = sealer.openSession(
      readCookies(cookieHeader).get(SESSION_COOKIE),
      this.clock.now(),
    );
    if (!session) throw new SignInRequiredError('not signed in', 'required');
    const key = `signin:renewals:${session.sessionId ?? session.personId}`;
    const { waitMs } = await this.limiter.tryTake(key, RENEWALS_PER_SECOND, RENEWAL_BURST);
    if (waitMs > 0) throw new TooManyRenewalsError(waitMs / 1000);
    let tokens;
    try {
      tokens = await client.refresh(session.refreshToken);
    } catch (error) {
      if (error instanceof SessionEndedError) throw this.ended(error);
      throw error;
    }
    // The provider may have rotated the refresh token, and so consumed the old one: from here
    // on every answer carries the new one, or revokes it when the session ends.
    const renewed: SignInSession = {
      ...session,
      refreshToken: tokens.refreshToken ?? session.refreshToken,
      idToken: tokens.idToken ?? session.idToken,
    };
    const cookies = [this.sessionCookie(renewed)];
    try {
      const { person, expiresAt } = await this.auth.authenticate(tokens.accessToken);
      if (person.id !== session.personId) throw new SessionEndedError('the account changed');
      const body = {
        accessToken: tokens.accessToken,
        expiresAt: expiresAt.toISOString(),
        personId: person.id,
      };
      return { body, cookies };
    } catch (error) {
      if (error instanceof SessionEndedError || error instanceof TokenError) {
        await client.revoke(renewed.refreshToken);
        throw this.ended(error);
      }
      const unavailable = new SignInUnavailableError(
        'the broker cannot check the renewed sign-in now; try again shortly',
        error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      );
      unavailable.cookies = cookies;
      throw unavailable;
    }
  }

  /** A 401 saying the session ended, which deletes the cookie. */
  private ended(error: Error): SignInRequiredError {
    const ended = new SignInRequiredError(
      `your session ended (${error.message}); sign in again`,
      'ended',
    );
    ended.cookies = [this.cookie(SESSION_COOKIE, '', 0)];
    return ended;
  }

  /**
   * POST /auth/logout: the refresh token revoked (where the provider can), the cookie deleted,
   * and the provider's end-session URL, when it has one.
   */
  async logout(
    cookieHeader: string | undefined,
    origin: string | undefined,
  ): Promise<SignInAnswer<{ endSessionUrl: string | null }>> {
    const { client, sealer } = this.configured();
    this.requireSameOrigin(origin);
    const session = sealer.openSession(
      readCookies(cookieHeader).get(SESSION_COOKIE),
      this.clock.now(),
    );
    if (session) await client.revoke(session.refreshToken);
    const endSessionUrl = session ? await client.endSessionUrl(session.idToken) : null;
    return { body: { endSessionUrl }, cookies: [this.cookie(SESSION_COOKIE, '', 0)] };
  }

  private sessionCookie(session: SignInSession): string {
    const seconds = (session.expiresAt - this.clock.now()) / 1000;
    return this.cookie(SESSION_COOKIE, this.sealer!.sealSession(session), seconds);
  }

  private cookie(name: string, value: string, maxAgeSeconds: number): string {
    return setCookie(name, value, { maxAgeSeconds, secure: this.secure, path: FLOW_PATH });
  }

  /** SameSite=Lax already keeps the cookie off cross-site POSTs; the Origin check is the second lock. */
  private requireSameOrigin(origin: string | undefined): void {
    const own = new URL(this.settings!.publicUrl).origin;
    if (origin !== own) {
      throw new ForbiddenError(`sign-in requests must come from the dashboard's own page (${own})`);
    }
  }

  private configured() {
    if (!this.client || !this.sealer || !this.settings) {
      throw new NotFoundError('dashboard sign-in is not configured (AUTH_CLIENT_ID)');
    }
    return { client: this.client, sealer: this.sealer, settings: this.settings };
  }
}

/** 401 from /auth/token: `signIn` says whether the page never signed in or its session ended. */
export class SignInRequiredError extends TokenError {
  override name = 'SignInRequiredError';
  cookies: string[] = [];
  constructor(message: string, signIn: 'required' | 'ended') {
    super(message);
    this.details.signIn = signIn;
  }
}

/**
 * 429 from /auth/token: this session asked too often; Retry-After says when it may again. The
 * code is the quotas' own (docs/api.md › Errors): a per-session quota is what it is.
 */
export class TooManyRenewalsError extends BrokerError {
  override name = 'TooManyRenewalsError';
  readonly httpStatus = 429;
  override readonly code = 'quota_exceeded';
  constructor(retryAfterSeconds: number) {
    super('this sign-in renews too often; try again after Retry-After');
    this.details.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/** Thrown by `callback`: the controller shows it as a page of its own. */
export class SignInFailureError extends Error {
  override name = 'SignInFailureError';
  constructor(readonly failure: SignInFailure) {
    super(failure.message);
  }
}

function failure(title: string, message: string, cookies: string[]): SignInFailureError {
  return new SignInFailureError({ title, message, cookies });
}
