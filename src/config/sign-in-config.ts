import { isIPv4 } from 'node:net';
import { ConfigError, type Env, integer, required, text, url } from './env-readers.js';

/**
 * The dashboard's "Sign in with <company account>" (docs/security.md › Dashboard sign-in): the
 * broker is a confidential or public OAuth client of AUTH_ISSUER and keeps the refresh token in
 * an encrypted HttpOnly cookie, so the page never holds anything but short-lived access tokens.
 */
export interface DashboardSignInConfig {
  clientId: string;
  /** Unset: a public client (PKCE only, no client authentication at the token endpoint). */
  clientSecret: string | undefined;
  /** PUBLIC_URL without a trailing slash; the redirect URI is `<publicUrl>/auth/callback`. */
  publicUrl: string;
  /** Space-separated; always includes `openid`. */
  scopes: string;
  /** Shown on the button: "Sign in with <providerName>". */
  providerName: string;
  /** Encrypts the session cookie (AES-256-GCM under a key derived from it). */
  sessionSecret: string;
  /** The longest a sign-in lasts without a new one, whatever the identity provider allows. */
  sessionMaxAgeMs: number;
}

const DEFAULT_SCOPES = 'openid profile email offline_access';

/**
 * This machine only: there the refresh-token cookie may go without Secure (tests, a local
 * proxy), as AUTH_ISSUER may be plain http (auth-config.ts). The URL parser has already
 * normalised the host (`http://2130706433` reads as 127.0.0.1).
 */
function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return isIPv4(hostname) && hostname.startsWith('127.');
}

/**
 * Undefined without AUTH_CLIENT_ID; `issuer`: AUTH_ISSUER as read (sign-in needs it). The caller
 * holds AUTH_SESSION_SECRET to the rules of every HMAC key (checkSecretKey).
 */
export function dashboardSignInConfig(
  env: Env,
  issuer: string | undefined,
): DashboardSignInConfig | undefined {
  const clientId = text(env, 'AUTH_CLIENT_ID');
  if (clientId === undefined) return undefined;
  if (issuer === undefined) {
    throw new ConfigError('AUTH_CLIENT_ID needs AUTH_ISSUER (the identity provider to sign in at)');
  }
  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, '');
  if (publicUrl === undefined) {
    throw new ConfigError(
      'PUBLIC_URL is required with AUTH_CLIENT_ID: the sign-in redirect URI is <PUBLIC_URL>/auth/callback (https://broker.acme.example)',
    );
  }
  if (publicUrl.startsWith('http:') && !isLoopback(new URL(publicUrl).hostname)) {
    throw new ConfigError(
      `PUBLIC_URL must use https: with AUTH_CLIENT_ID (the sign-in cookie is sent only over https; http: only on 127.0.0.0/8, [::1] or localhost), got "${publicUrl}"`,
    );
  }
  const scopes = text(env, 'AUTH_SCOPES') ?? DEFAULT_SCOPES;
  if (!scopes.split(/\s+/).includes('openid')) {
    throw new ConfigError(`AUTH_SCOPES must include "openid", got "${scopes}"`);
  }
  const sessionSecret = required(
    env,
    'AUTH_SESSION_SECRET',
    'with AUTH_CLIENT_ID (it encrypts the sign-in cookie)',
  );
  return {
    clientId,
    clientSecret: text(env, 'AUTH_CLIENT_SECRET'),
    publicUrl,
    scopes: scopes.split(/\s+/).join(' '),
    providerName: text(env, 'AUTH_PROVIDER_NAME') ?? 'your company account',
    sessionSecret,
    sessionMaxAgeMs: integer(env, 'AUTH_SESSION_MAX_AGE_SECONDS', 43_200, 60, 2_592_000) * 1000,
  };
}
