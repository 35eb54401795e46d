import { createHmac } from 'node:crypto';
import { BrokerError } from '../common/broker-error.js';

/** Why a token was refused (401); the message is safe to show the client. */
export class TokenError extends BrokerError {
  override name = 'TokenError';
  readonly httpStatus = 401;
}

export interface TokenClaims {
  sub: string;
  exp?: number;
  iat?: number;
  nbf?: number;
  [claim: string]: unknown;
}

export interface JoseHeader {
  alg?: unknown;
  crit?: unknown;
  kid?: unknown;
  [parameter: string]: unknown;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function encode(json: unknown): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

/**
 * Signs with HS256, the shared-secret algorithm; `header` lets tests forge odd headers. The
 * broker itself only signs for the CLI, the demo banner, tests and the bench.
 */
export function signJwt(
  claims: Partial<TokenClaims>,
  secret: string,
  header: JoseHeader = { alg: 'HS256', typ: 'JWT' },
): string {
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** A client token for a directory person, valid for `ttlSeconds` (negative: already expired). */
export function issueToken(
  personId: string,
  ttlSeconds: number,
  secret: string,
  nowMs = Date.now(),
): string {
  const now = Math.floor(nowMs / 1000);
  return signJwt({ sub: personId, iat: now, exp: now + ttlSeconds }, secret);
}

/**
 * A compact JWS whose three parts are canonical base64url: no padding, no stray characters and
 * no unused bits set, so one signature has exactly one spelling (a token that was altered
 * in transit, or crafted to slip past a cache or a deny-list, is refused rather than decoded).
 * Returns the protected header, for choosing how to verify it.
 */
export function readCompactHeader(token: string): JoseHeader {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => part === '')) {
    throw new TokenError('token is not a JWT');
  }
  for (const part of parts) {
    if (!BASE64URL.test(part) || Buffer.from(part, 'base64url').toString('base64url') !== part) {
      throw new TokenError('token is not canonical base64url');
    }
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('token is not a JWT');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new TokenError('token is not a JWT');
  }
  return header as JoseHeader;
}
