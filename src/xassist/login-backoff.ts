import type { XAssistLoginBackoffConfig } from '../config/xassist-resilience-config.js';
import { XAssistAuthError } from './xassist.errors.js';

interface Refusal {
  status: number;
  xassistMessage: string;
  /** Refusals in a row. */
  count: number;
  /** No login is sent before this (ms since epoch). */
  retryAt: number;
}

/**
 * Remembers that xAssist refused the connector's login, so that the next login waits: every
 * request trying again would hammer xAssist and can lock the account. The pause doubles with each
 * refusal in a row, up to a cap, and is forgotten once a login succeeds.
 */
export class LoginBackoff {
  private refusal?: Refusal;

  constructor(
    private readonly config: XAssistLoginBackoffConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws the remembered refusal while its pause lasts; nothing need be sent to know the answer. */
  assertMayLogIn(): void {
    const refusal = this.refusal;
    if (refusal && this.now() < refusal.retryAt) throw this.errorOf(refusal);
  }

  /** Records a refusal; returns the error to throw and whether it is the first one in a row. */
  refused(status: number, xassistMessage: string): { error: XAssistAuthError; first: boolean } {
    const count = (this.refusal?.count ?? 0) + 1;
    const pauseMs = Math.min(this.config.maxMs, this.config.initialMs * 2 ** (count - 1));
    this.refusal = { status, xassistMessage, count, retryAt: this.now() + pauseMs };
    return { error: this.errorOf(this.refusal), first: count === 1 };
  }

  /** A login succeeded; returns how many refusals it ends (0 when there were none). */
  accepted(): number {
    const count = this.refusal?.count ?? 0;
    this.refusal = undefined;
    return count;
  }

  /** Why logins are refused, or undefined when the last one was not; without xAssist's own text. */
  reason(): string | undefined {
    const refusal = this.refusal;
    if (!refusal) return undefined;
    return `xAssist refused the broker's credentials (${refusal.status})${this.pauseOf(refusal)}`;
  }

  get refusals(): number {
    return this.refusal?.count ?? 0;
  }

  private errorOf(refusal: Refusal): XAssistAuthError {
    return new XAssistAuthError(refusal.status, refusal.xassistMessage, this.pauseOf(refusal));
  }

  private pauseOf(refusal: Refusal): string {
    const seconds = Math.max(0, Math.ceil((refusal.retryAt - this.now()) / 1000));
    return `; ${refusal.count} refusal(s) in a row, next login attempt in ${seconds} s`;
  }
}
