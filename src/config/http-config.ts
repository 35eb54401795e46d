import { isIP } from 'node:net';
import { ConfigError, type Env, integer, text } from './env-readers.js';

/** Slow clients (slowloris): time to send the headers, the whole request, and idle keep-alive. */
export interface HttpTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export interface HttpConfig {
  port: number;
  /** Demo mode: loopback only, so the demo's public secret is not reachable from the network. */
  host: string;
  http: HttpTimeouts;
}

function host(env: Env, demoMode: boolean): string {
  const raw = text(env, 'HOST');
  if (raw === undefined) return demoMode ? '127.0.0.1' : '0.0.0.0';
  if (isIP(raw) || /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(raw)) return raw;
  throw new ConfigError(`HOST must be an IP address or a host name, got "${raw}"`);
}

export function httpConfig(env: Env, demoMode: boolean): HttpConfig {
  const headersTimeoutMs = integer(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000);
  const requestTimeoutMs = integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  if (requestTimeoutMs < headersTimeoutMs) {
    throw new ConfigError(
      `HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs}) must not be shorter than HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs})`,
    );
  }
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: host(env, demoMode),
    http: {
      headersTimeoutMs,
      requestTimeoutMs,
      keepAliveTimeoutMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
    },
  };
}
