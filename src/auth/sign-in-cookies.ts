import { hkdfSync } from 'node:crypto';
import { SecretBox, SecretBoxError } from '../common/secret-box.js';

/** What the sign-in keeps between `/auth/login` and `/auth/callback` (10 minutes at most). */
export interface SignInFlow {
  codeVerifier: string;
  state: string;
  nonce: string;
  /** Epoch ms after which the flow is refused. */
  expiresAt: number;
}

/** A signed-in dashboard: only the broker can read it (the cookie is sealed and HttpOnly). */
export interface SignInSession {
  refreshToken: string;
  /** For RP-initiated logout's `id_token_hint`; dropped when the cookie would grow too large. */
  idToken: string | undefined;
  personId: string;
  /**
   * Random, made at sign-in and kept through renewals: what POST /auth/token is limited by.
   * Unset in cookies sealed before it existed (the person's id stands in for it).
   */
  sessionId?: string;
  /** Epoch ms: the end of this sign-in (AUTH_SESSION_MAX_AGE_SECONDS after it began). */
  expiresAt: number;
}

export const FLOW_COOKIE = 'broker_signin_flow';
export const SESSION_COOKIE = 'broker_session';
/** Browsers keep at most 4096 bytes per cookie, name and attributes included. */
const MAX_COOKIE_VALUE = 3800;

export interface CookieOptions {
  /** Seconds; 0 deletes the cookie. */
  maxAgeSeconds: number;
  /** Only over https (PUBLIC_URL is https:). */
  secure: boolean;
  path: string;
}

/**
 * A Set-Cookie value: HttpOnly (page scripts never read it) and SameSite=Lax (a cross-site page
 * cannot make the browser send it with a POST, nor with a fetch or a frame).
 */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [
    `${name}=${value}`,
    `Path=${options.path}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** The request's cookies by name; a malformed pair is skipped, the first of a repeated name wins. */
export function readCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (header ?? '').split(';').map((part) => part.trim())) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at);
    if (!cookies.has(name)) cookies.set(name, pair.slice(at + 1).trim());
  }
  return cookies;
}

/**
 * Seals the sign-in cookies with AES-256-GCM under a key derived from AUTH_SESSION_SECRET; the
 * cookie's name is authenticated too, so a flow cookie never opens as a session. Anything that
 * does not open, or has expired, reads as no cookie at all.
 */
export class SignInCookieSealer {
  private readonly box: SecretBox;

  constructor(secret: string) {
    const key = Buffer.from(
      hkdfSync('sha256', secret, 'expert-call-broker', 'dashboard sign-in cookies', 32),
    );
    this.box = new SecretBox([{ id: 's1', key }]);
  }

  sealFlow(flow: SignInFlow): string {
    return this.box.seal(JSON.stringify(flow), FLOW_COOKIE);
  }

  openFlow(value: string | undefined, now: number): SignInFlow | undefined {
    const flow = this.open<SignInFlow>(value, FLOW_COOKIE);
    const fields = [flow?.codeVerifier, flow?.state, flow?.nonce];
    if (!flow || fields.some((field) => typeof field !== 'string')) return undefined;
    return typeof flow.expiresAt === 'number' && flow.expiresAt > now
      ? (flow as SignInFlow)
      : undefined;
  }

  /** Without the ID token when the whole cookie would not fit (logout then goes without the hint). */
  sealSession(session: SignInSession): string {
    const sealed = this.box.seal(JSON.stringify(session), SESSION_COOKIE);
    if (sealed.length <= MAX_COOKIE_VALUE || session.idToken === undefined) return sealed;
    return this.sealSession({ ...session, idToken: undefined });
  }

  openSession(value: string | undefined, now: number): SignInSession | undefined {
    const session = this.open<SignInSession>(value, SESSION_COOKIE);
    if (!session || typeof session.refreshToken !== 'string') return undefined;
    if (typeof session.personId !== 'string') return undefined;
    return typeof session.expiresAt === 'number' && session.expiresAt > now
      ? (session as SignInSession)
      : undefined;
  }

  private open<T>(value: string | undefined, context: string): Partial<T> | undefined {
    if (!value?.startsWith('enc:v1:')) return undefined;
    try {
      const parsed: unknown = JSON.parse(this.box.open(value, context));
      return typeof parsed === 'object' && parsed !== null ? (parsed as Partial<T>) : undefined;
    } catch (error) {
      if (error instanceof SecretBoxError || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }
}
