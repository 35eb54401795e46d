import type { BrokerMode } from './mode-config.js';
import { ConfigError, type Env, integer, oneOf, required, text, url } from './env-readers.js';
import { dashboardSignInConfig, type DashboardSignInConfig } from './sign-in-config.js';

/** Demo mode only, so that `npm run token` works against `npm start`; refused in production. */
export const DEMO_JWT_SECRET = 'demo-mode-only-secret-never-use-in-production';

/** RFC 7518 §3.2: an HS256 key shorter than the hash (32 bytes) weakens it. */
export const MIN_SECRET_BYTES = 32;

export const PERSON_CLAIMS = ['sub', 'email'] as const;

/** Tokens from the company's identity provider (RS256/ES256, keys from its JWKS). */
export interface OidcConfig {
  issuer: string;
  audience: string;
  /** Unset: discovered from `<issuer>/.well-known/openid-configuration`. */
  jwksUrl: string | undefined;
  /** The claim naming the directory person: its `id` (`sub`) or its `email`. */
  personClaim: (typeof PERSON_CLAIMS)[number];
  /** Keys are kept this long; an unknown `kid` re-fetches them, at most once per cooldown. */
  jwksCacheMaxAgeMs: number;
  jwksCooldownMs: number;
  /** AUTH_CLIENT_ID set: the dashboard offers "Sign in with <providerName>". */
  signIn: DashboardSignInConfig | undefined;
}

export interface AuthConfig {
  /** The shared HS256 secret; unset when only the identity provider's tokens are accepted. */
  jwtSecret: string | undefined;
  oidc: OidcConfig | undefined;
}

/** A plain-HTTP identity provider is only acceptable on this machine (tests, a local proxy). */
function identityUrl(env: Env, name: string): string | undefined {
  const value = url(env, name, ['https:', 'http:']);
  if (value === undefined) return undefined;
  const parsed = new URL(value);
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(parsed.hostname);
  if (parsed.protocol === 'http:' && !loopback) {
    throw new ConfigError(`${name} must use https: (http: only on 127.0.0.1), got "${value}"`);
  }
  return value;
}

function oidcConfig(env: Env, demoMode: boolean): OidcConfig | undefined {
  const issuer = identityUrl(env, 'AUTH_ISSUER');
  const signIn = dashboardSignInConfig(env, issuer);
  if (signIn) checkSecretKey('AUTH_SESSION_SECRET', signIn.sessionSecret, demoMode);
  if (issuer === undefined) return undefined;
  return {
    issuer,
    audience: required(env, 'AUTH_AUDIENCE', 'with AUTH_ISSUER (the audience tokens must name)'),
    jwksUrl: identityUrl(env, 'AUTH_JWKS_URL'),
    personClaim: oneOf(env, 'AUTH_PERSON_CLAIM', PERSON_CLAIMS, 'sub'),
    jwksCacheMaxAgeMs: integer(env, 'AUTH_JWKS_CACHE_MS', 600_000, 1000, 86_400_000),
    jwksCooldownMs: integer(env, 'AUTH_JWKS_COOLDOWN_MS', 30_000, 0, 3_600_000),
    signIn,
  };
}

/**
 * The rules every HMAC key of the broker is held to, one line for the first broken: not the
 * public demo secret outside demo mode, at least MIN_SECRET_BYTES bytes.
 */
export function checkSecretKey(name: string, secret: string, demoMode: boolean): void {
  if (!demoMode && secret === DEMO_JWT_SECRET) {
    throw new ConfigError(
      `${name} is the public demo secret; outside demo mode use a random one (openssl rand -base64 48)`,
    );
  }
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_SECRET_BYTES) {
    throw new ConfigError(
      `${name} must be at least ${MIN_SECRET_BYTES} bytes long (got ${bytes}); openssl rand -base64 48 makes one`,
    );
  }
}

/** The HS256 secret alone: enough for the token CLI, which needs nothing else. */
export function jwtSecretConfig(env: Env, demoMode: boolean): string | undefined {
  const secret = text(env, 'AUTH_JWT_SECRET');
  if (secret === undefined) return demoMode ? DEMO_JWT_SECRET : undefined;
  checkSecretKey('AUTH_JWT_SECRET', secret, demoMode);
  return secret;
}

export function authConfig(env: Env, mode: BrokerMode): AuthConfig {
  const jwtSecret = jwtSecretConfig(env, mode.demoMode);
  const oidc = oidcConfig(env, mode.demoMode);
  if (jwtSecret === undefined && oidc === undefined) {
    throw new ConfigError(`AUTH_JWT_SECRET or AUTH_ISSUER is required ${mode.requiredWhy}`);
  }
  return { jwtSecret, oidc };
}
