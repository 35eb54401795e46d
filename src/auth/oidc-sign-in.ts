import * as oidc from 'openid-client';
import type { DashboardSignInConfig } from '../config/app-config.js';
import { BrokerError } from '../common/broker-error.js';
import type { SignInFlow } from './sign-in-cookies.js';

/** Where sign-in stopped, in words for the person at the browser (never a token, never a secret). */
export class SignInRefusedError extends Error {
  override name = 'SignInRefusedError';
  constructor(
    /** `refused`: the person or the provider said no; `failed`: the answer could not be used. */
    readonly kind: 'refused' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The identity provider cannot be reached, refuses for now or answered nonsense: try again later
 * (503). `reason` is for the operator's log only (the provider's words, never a token).
 */
export class SignInUnavailableError extends BrokerError {
  override name = 'SignInUnavailableError';
  readonly httpStatus = 503;
  /** Set-Cookie values the answer still carries (a renewed session cookie). */
  cookies: string[] = [];
  constructor(
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** The provider refused the refresh token: the sign-in is over, the person must sign in again. */
export class SessionEndedError extends Error {
  override name = 'SessionEndedError';
}

export interface IssuedTokens {
  accessToken: string;
  /** Unset: the provider kept the old refresh token (no rotation). */
  refreshToken: string | undefined;
  idToken: string | undefined;
}

const FLOW_LIFETIME_MS = 10 * 60_000;
const DISCOVERY_TIMEOUT_SECONDS = 5;

/**
 * The broker as an OAuth client of AUTH_ISSUER (openid-client): authorization code with PKCE,
 * state and nonce; the code exchanged and the ID token validated here; refresh on the page's
 * behalf; RP-initiated logout. Discovery happens on first use and is retried after a failure.
 */
export class OidcSignIn {
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(
    private readonly issuer: string,
    private readonly config: DashboardSignInConfig,
  ) {}

  get redirectUri(): string {
    return `${this.config.publicUrl}/auth/callback`;
  }

  /** Where the provider sends the browser back after logout: the dashboard's signed-out state. */
  get postLogoutRedirectUri(): string {
    return `${this.config.publicUrl}/?signin=signed-out`;
  }

  /** The provider's authorization URL and the flow to keep (sealed) until the callback. */
  async start(now: number): Promise<{ url: URL; flow: SignInFlow }> {
    const configuration = await this.configuration();
    const flow: SignInFlow = {
      codeVerifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      expiresAt: now + FLOW_LIFETIME_MS,
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: this.config.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    return { url, flow };
  }

  /** Exchanges the callback's code; throws SignInRefusedError when the provider said no. */
  async finish(callbackUrl: URL, flow: SignInFlow): Promise<IssuedTokens> {
    const configuration = await this.configuration();
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      if (!tokens.refresh_token) {
        throw new SignInRefusedError(
          'failed',
          `the identity provider gave no refresh token: the broker's client needs the refresh_token grant and the scopes "${this.config.scopes}"`,
        );
      }
      return {
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        idToken: tokens.id_token,
      };
    } catch (error) {
      throw signInErrorFrom(error);
    }
  }

  /** A fresh access token; SessionEndedError when the provider refuses the refresh token. */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const configuration = await this.configuration();
    try {
      const tokens = await oidc.refreshTokenGrant(configuration, refreshToken);
      return {
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        idToken: tokens.id_token,
      };
    } catch (error) {
      // Only invalid_grant says the refresh token itself is dead. Anything else (a rate limit,
      // invalid_client after a secret mix-up, temporarily_unavailable) is the provider's or the
      // operator's to fix: deleting the cookie would sign everyone out for it.
      if (error instanceof oidc.ResponseBodyError && error.error === 'invalid_grant') {
        throw new SessionEndedError(error.error_description ?? error.error);
      }
      throw new SignInUnavailableError(
        'the identity provider cannot renew the sign-in now',
        reasonOf(error),
      );
    }
  }

  /**
   * Revokes the refresh token at the provider (RFC 7009), when it offers revocation, so a copy
   * of the cookie is worth nothing after sign-out. Best effort: sign-out goes on without it.
   */
  async revoke(refreshToken: string): Promise<boolean> {
    const configuration = await this.configuration().catch(() => undefined);
    if (!configuration?.serverMetadata().revocation_endpoint) return false;
    return oidc
      .tokenRevocation(configuration, refreshToken, { token_type_hint: 'refresh_token' })
      .then(
        () => true,
        () => false,
      );
  }

  /** The provider's end-session URL, when it has one (RP-initiated logout). */
  async endSessionUrl(idToken: string | undefined): Promise<string | null> {
    const configuration = await this.configuration().catch(() => undefined);
    if (!configuration?.serverMetadata().end_session_endpoint) return null;
    return oidc
      .buildEndSessionUrl(configuration, {
        post_logout_redirect_uri: this.postLogoutRedirectUri,
        client_id: this.config.clientId,
        ...(idToken ? { id_token_hint: idToken } : {}),
      })
      .toString();
  }

  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= this.discover();
    // A failed discovery is tried again on the next sign-in rather than remembered forever.
    this.discovered.catch(() => (this.discovered = undefined));
    return this.discovered;
  }

  private async discover(): Promise<oidc.Configuration> {
    const { clientId, clientSecret } = this.config;
    const insecure = new URL(this.issuer).protocol === 'http:'; // loopback only (auth-config.ts)
    try {
      return await oidc.discovery(
        new URL(this.issuer),
        clientId,
        undefined,
        clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(clientSecret),
        {
          timeout: DISCOVERY_TIMEOUT_SECONDS,
          ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
        },
      );
    } catch (error) {
      throw new SignInUnavailableError(
        'the identity provider cannot be reached for sign-in',
        reasonOf(error),
      );
    }
  }
}

/** Token endpoint answers that say "not now" rather than "no": a timeout, a 5xx, a rate limit. */
const NOT_NOW_CODES = new Set([
  'OAUTH_TIMEOUT',
  'OAUTH_ABORT',
  'OAUTH_RESPONSE_IS_NOT_CONFORM', // an unexpected status without an OAuth error body (a 502)
  'OAUTH_RESPONSE_IS_NOT_JSON', // a proxy's HTML page
]);
const NOT_NOW_ERRORS = new Set(['temporarily_unavailable', 'server_error', 'slow_down']);

/**
 * The callback's failures: the provider's own refusals, an answer that does not check out, or
 * a provider that cannot answer now (503, "try again").
 */
export function signInErrorFrom(error: unknown): Error {
  if (error instanceof SignInRefusedError || error instanceof SignInUnavailableError) return error;
  if (error instanceof oidc.AuthorizationResponseError) {
    const detail = error.error_description ? `: ${error.error_description}` : '';
    return new SignInRefusedError('refused', `${error.error}${detail}`);
  }
  const notNow =
    error instanceof oidc.ResponseBodyError
      ? error.status >= 500 || error.status === 429 || NOT_NOW_ERRORS.has(error.error)
      : error instanceof oidc.ClientError && NOT_NOW_CODES.has(error.code ?? '');
  if (notNow || !(error instanceof oidc.ResponseBodyError || error instanceof oidc.ClientError)) {
    return new SignInUnavailableError(
      'the identity provider cannot complete the sign-in now; try again shortly',
      reasonOf(error),
    );
  }
  if (error instanceof oidc.ResponseBodyError) {
    return new SignInRefusedError('failed', `the code was refused (${error.error})`);
  }
  return new SignInRefusedError('failed', `the identity provider's answer does not check out`);
}

/** What the operator's log says about a failed exchange with the provider. */
function reasonOf(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError) {
    const detail = error.error_description ? `: ${error.error_description}` : '';
    return `the provider answered ${error.status} ${error.error}${detail}`;
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    return `the provider answered ${error.status} with a WWW-Authenticate challenge (client authentication: AUTH_CLIENT_ID, AUTH_CLIENT_SECRET?)`;
  }
  if (error instanceof oidc.ClientError) return `${error.code ?? 'OAUTH_ERROR'}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
