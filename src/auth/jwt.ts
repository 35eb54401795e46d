import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a token was refused; the message is safe to show the client. */
export class TokenError extends Error {
  override name = 'TokenError';
}

export interface TokenClaims {
  sub: string;
  exp?: number;
  iat?: number;
  [claim: string]: unknown;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function signature(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

/** HS256 only: the one algorithm the contract allows, so `alg: none` and friends cannot slip in. */
export function signJwt(claims: TokenClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${HEADER}.${payload}.${signature(`${HEADER}.${payload}`, secret).toString('base64url')}`;
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

export function verifyJwt(
  token: string,
  secret: string,
  nowSeconds = Date.now() / 1000,
): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('token is not a JWT');
  const [header, payload, sig] = parts;
  let parsedHeader: { alg?: unknown };
  let claims: TokenClaims;
  try {
    parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('token is not a JWT');
  }
  if (parsedHeader?.alg !== 'HS256') throw new TokenError('token must be signed with HS256');
  const expected = signature(`${header}.${payload}`, secret);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new TokenError('token signature is invalid');
  }
  if (typeof claims !== 'object' || claims === null || typeof claims.sub !== 'string') {
    throw new TokenError('token has no subject');
  }
  if (claims.exp !== undefined && (typeof claims.exp !== 'number' || claims.exp <= nowSeconds)) {
    throw new TokenError('token has expired');
  }
  return claims;
}
