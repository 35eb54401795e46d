import { Pool } from 'undici';
import { NOT_SENT_CODES } from '../common/resilience.js';
import type { XAssistConfig } from '../config/app-config.js';
import type { RawResponse } from './xassist-answers.js';
import { XAssistUnavailableError } from './xassist.errors.js';

/** One HTTP exchange with xAssist over a pooled connection; no retries, no JSON here. */
export class XAssistTransport {
  private readonly pool: Pool;
  private readonly basePath: string;
  private inFlight = 0;

  constructor(private readonly config: XAssistConfig) {
    const url = new URL(config.baseUrl);
    this.basePath = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    this.pool = new Pool(url.origin, {
      connections: config.maxConnections,
      connect: { timeout: config.connectTimeoutMs },
      headersTimeout: config.requestTimeoutMs,
      bodyTimeout: config.requestTimeoutMs,
      keepAliveTimeout: 10_000,
    });
  }

  /**
   * Whether a request would go out at once, on a free connection. The budget grants a slot only
   * then: a request granted while every connection is busy would wait in the pool and later go
   * out back to back with the next ones, more than the budget in one second.
   */
  hasFreeConnection(): boolean {
    return this.inFlight < this.config.maxConnections;
  }

  /** Sends; a failure to send becomes XAssistUnavailableError saying whether it may have arrived. */
  async request(
    method: 'GET' | 'POST',
    path: string,
    operation: string,
    body: unknown,
    token: string | undefined,
    signal: AbortSignal,
  ): Promise<RawResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    this.inFlight++;
    try {
      const response = await this.pool.request({
        method,
        path: this.basePath + path,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      const text = await response.body.text();
      const contentType = String(response.headers['content-type'] ?? '');
      return { status: response.statusCode, contentType, text };
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (NOT_SENT_CODES.has(code)) {
        throw new XAssistUnavailableError(
          `cannot connect to xAssist for ${operation} (${code})`,
          false,
        );
      }
      throw new XAssistUnavailableError(
        `xAssist did not answer ${operation} (${code || 'aborted'})`,
        true,
      );
    } finally {
      this.inFlight--;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
