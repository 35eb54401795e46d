import { isIP } from 'node:net';
import { ConfigError, type Env, integer, text } from './env-readers.js';

/**
 * Outbound webhooks and the outbox that delivers them (docs/notifications.md, "Webhooks").
 * The defaults retry for about a day: 18 attempts, 5 s doubling up to 4 h between them.
 */
export interface WebhookConfig {
  /**
   * Hosts (names or addresses) a webhook may point at although they are loopback or private,
   * over http too, each on one port: `host:port`, `[v6]:port`, or a bare host for the default
   * port of the scheme; empty: only public https URLs.
   */
  allowedHosts: string[];
  /** Attempts before a delivery is dead (`failed`). */
  maxAttempts: number;
  /** The first retry's delay; each next one doubles (with jitter) up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** One attempt: connect, send, answer. */
  timeoutMs: number;
  /** Deliveries per second to one webhook, from one instance. */
  ratePerSecond: number;
  /** How often the dispatcher looks for due rows when nothing woke it. */
  pollIntervalMs: number;
  /** A claimed row no instance finished is claimable again after this (a crashed instance). */
  leaseMs: number;
  /** Rows claimed at once. */
  batchSize: number;
  /** Webhooks one integration may hold (active or disabled): each call change owes each one a row. */
  maxPerIntegration: number;
  /** POST /v1/webhooks per integration per minute (refused ones count too). */
  createsPerMinute: number;
  /** Attempts in flight to one destination at once, so a slow one cannot take every slot. */
  concurrencyPerDestination: number;
  /** Failed attempts in a row after which a destination's circuit opens (no attempts for a while). */
  circuitFailures: number;
  /** How long an open circuit waits before one trial attempt; doubles while trials fail, up to 16 x. */
  circuitOpenMs: number;
}

const NAME_OR_IPV4 = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/**
 * One WEBHOOK_ALLOWED_HOSTS entry, normalised: `host:port`, `[v6]:port`, or a bare host (a name or
 * an address, IPv6 without brackets), which is open on the default port of the URL's scheme only.
 */
function allowedHost(entry: string): string | undefined {
  const parts = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(entry);
  const [host, port] = parts ? [parts[1] ?? parts[2], parts[3]] : [entry, undefined];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return undefined;
  const v6 = isIP(host) === 6;
  if (!v6 && (parts?.[1] !== undefined || !NAME_OR_IPV4.test(host))) return undefined;
  const normal = v6 ? new URL(`http://[${host}]`).hostname.slice(1, -1) : host;
  if (port === undefined) return normal;
  return `${v6 ? `[${normal}]` : normal}:${Number(port)}`;
}

function allowedHosts(env: Env): string[] {
  const raw = text(env, 'WEBHOOK_ALLOWED_HOSTS');
  if (raw === undefined) return [];
  return raw.split(',').map((entry) => {
    const host = allowedHost(entry.trim().toLowerCase());
    if (host === undefined)
      throw new ConfigError(
        `WEBHOOK_ALLOWED_HOSTS must be host:port, [IPv6]:port or host entries separated by commas (a bare host is open on port 443 for https, 80 for http), got "${entry.trim()}"`,
      );
    return host;
  });
}

export function webhookConfig(env: Env): { webhooks: WebhookConfig } {
  const retryBaseMs = integer(env, 'WEBHOOK_RETRY_BASE_MS', 5_000, 1, 86_400_000);
  const retryMaxMs = integer(env, 'WEBHOOK_RETRY_MAX_MS', 14_400_000, 1, 86_400_000);
  if (retryMaxMs < retryBaseMs) {
    throw new ConfigError(
      `WEBHOOK_RETRY_MAX_MS (${retryMaxMs}) must not be below WEBHOOK_RETRY_BASE_MS (${retryBaseMs})`,
    );
  }
  return {
    webhooks: {
      allowedHosts: allowedHosts(env),
      maxAttempts: integer(env, 'WEBHOOK_MAX_ATTEMPTS', 18, 1, 100),
      retryBaseMs,
      retryMaxMs,
      timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 15_000, 1, 120_000),
      ratePerSecond: integer(env, 'WEBHOOK_RATE_PER_SECOND', 10, 1, 10_000),
      pollIntervalMs: integer(env, 'OUTBOX_POLL_INTERVAL_MS', 1_000, 1, 3_600_000),
      leaseMs: integer(env, 'OUTBOX_LEASE_MS', 60_000, 1_000, 3_600_000),
      batchSize: integer(env, 'OUTBOX_BATCH_SIZE', 100, 1, 10_000),
      maxPerIntegration: integer(env, 'WEBHOOK_MAX_PER_INTEGRATION', 25, 1, 100_000),
      createsPerMinute: integer(env, 'WEBHOOK_CREATES_PER_MINUTE', 10, 1, 1_000_000),
      concurrencyPerDestination: integer(env, 'WEBHOOK_CONCURRENCY_PER_DESTINATION', 4, 1, 100),
      circuitFailures: integer(env, 'WEBHOOK_CIRCUIT_FAILURES', 5, 1, 1_000),
      circuitOpenMs: integer(env, 'WEBHOOK_CIRCUIT_OPEN_MS', 30_000, 1, 3_600_000),
    },
  };
}
