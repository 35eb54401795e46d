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

/** Base64url with one spelling per byte string: no padding bits set, so no token has twins. */
const canonical = (part: string) => Buffer.from(part, 'base64url').toString('base64url') === part;

/** Ids as the directory and the calls write them: a line of a log can never be forged with one. */
const ID = /^[A-Za-z0-9._@:-]{1,128}$/;
const LINK_ID = /^[A-Za-z0-9_-]{16}$/;
const CLAIM_KEYS = ['c', 'e', 'x', 'n'];

/** The claims when the body has exactly their shape (types, lengths, an integer expiry). */
function claimsOf(json: string): AcceptLinkClaims | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { c, e, x, n } = raw as Record<string, unknown>;
  const shaped =
    Object.keys(raw).length === CLAIM_KEYS.length &&
    Object.keys(raw).every((key) => CLAIM_KEYS.includes(key)) &&
    typeof c === 'string' &&
    ID.test(c) &&
    typeof e === 'string' &&
    ID.test(e) &&
    typeof n === 'string' &&
    LINK_ID.test(n) &&
    Number.isSafeInteger(x) &&
    (x as number) > 0;
  return shaped ? { callId: c, expertId: e, expiresAtMs: x as number, linkId: n } : undefined;
}

/**
 * `malformed` for anything but the one spelling the broker writes (canonical base64url, claims
 * of the right shape), `forged` for a bad signature, `expired` past its expiry.
 */
export function verifyAcceptLink(key: string, token: string, nowMs: number): VerifiedLink {
  if (!TOKEN.test(token)) return { ok: false, problem: 'malformed' };
  const [body, signature] = token.split('.');
  if (!canonical(body) || !canonical(signature)) return { ok: false, problem: 'malformed' };
  const given = Buffer.from(signature, 'base64url');
  const expected = sign(key, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, problem: 'forged' };
  const claims = claimsOf(Buffer.from(body, 'base64url').toString('utf8'));
  if (!claims) return { ok: false, problem: 'malformed' };
  if (nowMs >= claims.expiresAtMs) return { ok: false, problem: 'expired', claims };
  return { ok: true, claims };
}
