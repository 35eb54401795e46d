import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What an accept link carries: one call, one expert, until when, and its own id (single use). */
export interface AcceptLinkClaims {
  callId: string;
  expertId: string;
  /** Milliseconds since the epoch. */
  expiresAtMs: number;
  /** The link's id; a used link's id is stored, so a second use is refused. */
  linkId: string;
}

/** Why a token is no link: `malformed` (not one of ours at all), `forged` (bad signature), `expired`. */
export type LinkProblem = 'malformed' | 'forged' | 'expired';

export type VerifiedLink =
  | { ok: true; claims: AcceptLinkClaims }
  | { ok: false; problem: LinkProblem; claims?: AcceptLinkClaims };

const TOKEN = /^[A-Za-z0-9_-]{16,1024}\.[A-Za-z0-9_-]{43}$/;
const sign = (key: string, body: string) =>
  createHmac('sha256', key).update(`accept-link.v1.${body}`).digest();

/** `<base64url JSON>.<base64url HMAC-SHA256>`: short enough for a chat message, opaque to people. */
export function signAcceptLink(
  key: string,
  claims: Omit<AcceptLinkClaims, 'linkId'> & { linkId?: string },
): string {
  const body = Buffer.from(
    JSON.stringify({
      c: claims.callId,
      e: claims.expertId,
      x: claims.expiresAtMs,
      n: claims.linkId ?? randomBytes(12).toString('base64url'),
    }),
  ).toString('base64url');
  return `${body}.${sign(key, body).toString('base64url')}`;
}

export function verifyAcceptLink(key: string, token: string, nowMs: number): VerifiedLink {
  if (!TOKEN.test(token)) return { ok: false, problem: 'malformed' };
  const [body, signature] = token.split('.');
  const given = Buffer.from(signature, 'base64url');
  const expected = sign(key, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, problem: 'forged' };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  const { c, e, x, n } = raw ?? {};
  if (
    typeof c !== 'string' ||
    typeof e !== 'string' ||
    typeof n !== 'string' ||
    !Number.isFinite(x)
  )
    return { ok: false, problem: 'malformed' };
  const claims = { callId: c, expertId: e, expiresAtMs: x as number, linkId: n };
  if (nowMs >= claims.expiresAtMs) return { ok: false, problem: 'expired', claims };
  return { ok: true, claims };
}
