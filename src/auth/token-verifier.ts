import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import type { AuthConfig, OidcConfig } from '../config/app-config.js';
import { BrokerError } from '../common/broker-error.js';
import { TokenError, readCompactHeader } from './jwt.js';

/** The identity provider's keys cannot be fetched: not the client's fault, so not a 401. */
export class IdentityProviderUnavailableError extends BrokerError {
  override name = 'IdentityProviderUnavailableError';
  readonly httpStatus = 503;
}

export interface VerifiedToken {
  claims: JWTPayload & { exp: number };
  /** `secret`: the shared HS256 secret; `issuer`: the identity provider's keys. */
  source: 'secret' | 'issuer';
}

const ISSUER_ALGORITHMS = ['RS256', 'ES256'];
const DISCOVERY_TIMEOUT_MS = 5000;
/** 9999-12-31T23:59:59Z: the last second every Date, timer and ISO text can still hold. */
const LATEST_SECONDS = 253402300799;
const TIME_CLAIMS = ['exp', 'nbf', 'iat'] as const;

/**
 * jose only checks that exp/nbf/iat are numbers: `exp: 1e308` would pass and become an Invalid
 * Date (a socket timer of NaN ms that re-arms forever). Times must be seconds from 1970 to 9999.
 */
function requireUsableTimes(claims: JWTPayload): void {
  for (const claim of TIME_CLAIMS) {
    const value = claims[claim];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || (value as number) < 0 || (value as number) > LATEST_SECONDS) {
      throw new TokenError(`token "${claim}" claim is not a time the broker can use`);
    }
  }
}

/** Why jose refused a token, in words fit for the client (never the key, never the claims). */
function tokenErrorFrom(error: unknown): Error {
  if (error instanceof errors.JWTExpired) return new TokenError('token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return new TokenError(`token has no "${error.claim}" claim`);
    if (error.claim === 'nbf') return new TokenError('token is not valid yet (nbf)');
    if (error.reason === 'invalid')
      return new TokenError(`token "${error.claim}" claim is invalid`);
    return new TokenError(`token "${error.claim}" claim is not accepted`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenError('token signature is invalid');
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new TokenError('token was signed with a key the identity provider does not list');
  }
  if (error instanceof errors.JOSENotSupported && /crit|Extension/i.test(error.message)) {
    return new TokenError('token has a critical header parameter the broker does not understand');
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new TokenError('token algorithm is not allowed');
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new IdentityProviderUnavailableError('the identity provider keys cannot be fetched');
  }
  if (error instanceof errors.JOSEError) return new TokenError('token is not a valid JWT');
  if (error instanceof BrokerError) return error;
  // fetch() failures reaching the JWKS or discovery endpoints.
  return new IdentityProviderUnavailableError('the identity provider keys cannot be fetched');
}

/**
 * Verifies client tokens with jose: the shared secret for HS256, the identity provider's JWKS
 * for RS256/ES256. Every token must carry `exp`; `nbf` and `crit` are honoured by jose, and
 * only canonical base64url is read (see readCompactHeader).
 */
export class TokenVerifier {
  private readonly secretKey: Uint8Array | undefined;
  private jwks: Promise<JWTVerifyGetKey> | undefined;

  constructor(private readonly config: AuthConfig) {
    this.secretKey = config.jwtSecret ? new TextEncoder().encode(config.jwtSecret) : undefined;
  }

  async verify(token: string): Promise<VerifiedToken> {
    const { alg } = readCompactHeader(token);
    try {
      if (alg === 'HS256' && this.secretKey) {
        return { claims: await this.check(token, this.secretKey, ['HS256'], {}), source: 'secret' };
      }
      const oidc = this.config.oidc;
      if (oidc && typeof alg === 'string' && ISSUER_ALGORITHMS.includes(alg)) {
        const options = { issuer: oidc.issuer, audience: oidc.audience };
        const claims = await this.check(token, await this.keys(oidc), ISSUER_ALGORITHMS, options);
        return { claims, source: 'issuer' };
      }
    } catch (error) {
      throw tokenErrorFrom(error);
    }
    throw new TokenError(`token must be signed with ${this.allowedAlgorithms().join(' or ')}`);
  }

  private async check(
    token: string,
    key: Uint8Array | JWTVerifyGetKey,
    algorithms: string[],
    options: JWTVerifyOptions,
  ): Promise<VerifiedToken['claims']> {
    const verifyOptions = { ...options, algorithms, requiredClaims: ['exp'] };
    const { payload } =
      key instanceof Uint8Array
        ? await jwtVerify(token, key, verifyOptions)
        : await jwtVerify(token, key, verifyOptions);
    requireUsableTimes(payload);
    return payload as VerifiedToken['claims'];
  }

  private allowedAlgorithms(): string[] {
    return [...(this.secretKey ? ['HS256'] : []), ...(this.config.oidc ? ISSUER_ALGORITHMS : [])];
  }

  /** The JWKS, found once (configured, or from discovery); jose caches and re-fetches on an unknown kid. */
  private keys(oidc: OidcConfig): Promise<JWTVerifyGetKey> {
    this.jwks ??= this.jwksUrl(oidc).then((url) =>
      createRemoteJWKSet(url, {
        cooldownDuration: oidc.jwksCooldownMs,
        cacheMaxAge: oidc.jwksCacheMaxAgeMs,
      }),
    );
    // A failed discovery is retried on the next token rather than remembered forever.
    this.jwks.catch(() => (this.jwks = undefined));
    return this.jwks;
  }

  private async jwksUrl(oidc: OidcConfig): Promise<URL> {
    if (oidc.jwksUrl) return new URL(oidc.jwksUrl);
    const discovery = `${oidc.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(discovery, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
    const document = (await response.json().catch(() => ({}))) as { jwks_uri?: unknown };
    if (!response.ok || typeof document.jwks_uri !== 'string') {
      throw new IdentityProviderUnavailableError(
        'the identity provider discovery document has no jwks_uri',
      );
    }
    return new URL(document.jwks_uri);
  }
}
