import { BrokenCircuitError, type CircuitBreakerPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import { Pool, type FormData } from 'undici';
import {
  boundedAttempt,
  circuitStateOf,
  countBreaker,
  NOT_SENT_CODES,
  type BreakerSettings,
  type CircuitState,
} from '../common/resilience.js';
import { failed, retryAfter, sent, type DeliveryResult } from './notification.js';

/** Timeouts and circuit of one channel's HTTP client. */
export interface ChannelHttpSettings {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  breaker: BreakerSettings;
}

export const DEFAULT_CHANNEL_HTTP: ChannelHttpSettings = {
  connectTimeoutMs: 3_000,
  requestTimeoutMs: 15_000,
  breaker: { threshold: 5, window: 10, openMs: 5_000, openMaxMs: 300_000 },
};

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface HttpPost {
  path: string;
  headers: Record<string, string>;
  body: string | FormData;
}

/** A failed attempt the breaker counts: the vendor is down or slow, not refusing this message. */
class VendorUnavailable extends Error {
  constructor(readonly result: DeliveryResult & { status: 'retry' }) {
    super(result.reason);
  }
}

/** `Retry-After` in seconds or as an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(
  header: string | string[] | undefined,
  now: number,
): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** What an HTTP status means for a delivery to a vendor that answers with plain statuses. */
export function resultOfStatus(answer: HttpAnswer, vendor: string, now: number): DeliveryResult {
  const { status } = answer;
  if (status >= 200 && status < 300) return sent(`${vendor} answered ${status}`);
  const after = retryAfterMs(answer.headers['retry-after'], now);
  if (status === 429) return retryAfter(after ?? 60_000, `${vendor} is rate limiting (429)`);
  if (status === 408 || status >= 500)
    return retryAfter(after ?? 0, `${vendor} answered ${status}`);
  if (status === 401 || status === 403)
    return failed(`${vendor} refused the credentials (${status})`);
  return failed(`${vendor} refused the message (${status}): ${answer.text.slice(0, 200)}`);
}

/**
 * A thin undici client for one vendor origin, with the resilience blocks the xAssist client
 * uses: a timeout per attempt and a circuit breaker counting 5xx, timeouts and connection
 * failures. It never retries itself: a delivery's retries are the outbox's, durable and spaced.
 */
export class ChannelHttp {
  private readonly pool: Pool;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly attempt;

  constructor(
    origin: string,
    private readonly settings: ChannelHttpSettings,
    private readonly logger: Logger,
    private readonly vendor: string,
  ) {
    this.pool = new Pool(origin, {
      connections: 4,
      connect: { timeout: settings.connectTimeoutMs },
      headersTimeout: settings.requestTimeoutMs,
      bodyTimeout: settings.requestTimeoutMs,
    });
    this.breaker = countBreaker((error) => error instanceof VendorUnavailable, settings.breaker);
    this.attempt = boundedAttempt(
      settings.requestTimeoutMs + settings.connectTimeoutMs,
      (operation) =>
        new VendorUnavailable({
          status: 'retry',
          afterMs: 0,
          reason: `${vendor} timed out on ${operation} (it may have been delivered)`,
        }),
    );
  }

  circuitState(): CircuitState {
    return circuitStateOf(this.breaker);
  }

  /** POSTs once and lets `interpret` read the answer; every failure becomes a DeliveryResult. */
  async deliver(
    operation: string,
    post: HttpPost,
    interpret: (answer: HttpAnswer) => DeliveryResult,
  ): Promise<DeliveryResult> {
    try {
      return await this.breaker.execute(async ({ signal }) => {
        const answer = await this.attempt(
          operation,
          (attemptSignal) => this.post(operation, post, attemptSignal),
          signal,
        );
        const result = interpret(answer);
        if (result.status === 'retry' && answer.status >= 500) throw new VendorUnavailable(result);
        return result;
      });
    } catch (error) {
      const result = this.classify(error, operation);
      this.logger.warn(
        { vendor: this.vendor, operation, result },
        'chat channel delivery not sent',
      );
      return result;
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async post(operation: string, post: HttpPost, signal: AbortSignal): Promise<HttpAnswer> {
    try {
      const response = await this.pool.request({
        method: 'POST',
        path: post.path,
        headers: post.headers,
        body: post.body,
        signal,
      });
      const text = await response.body.text();
      return { status: response.statusCode, headers: response.headers, text };
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      const why = NOT_SENT_CODES.has(code)
        ? `cannot connect to ${this.vendor} for ${operation} (${code})`
        : `${this.vendor} did not answer ${operation} (${code || 'aborted'}; it may have been delivered)`;
      throw new VendorUnavailable({ status: 'retry', afterMs: 0, reason: why });
    }
  }

  private classify(error: unknown, operation: string): DeliveryResult {
    if (error instanceof VendorUnavailable) return error.result;
    if (error instanceof BrokenCircuitError)
      return retryAfter(
        this.settings.breaker.openMs,
        `${this.vendor} circuit is open; ${operation} not sent`,
      );
    return retryAfter(
      0,
      `${this.vendor} ${operation} failed unexpectedly: ${(error as Error).message}`,
    );
  }
}
