import { ConfigError, type Env, integer, text } from './env-readers.js';

/**
 * Outbound webhooks and the outbox that delivers them (docs/notifications.md, "Webhooks").
 * The defaults retry for about a day: 18 attempts, 5 s doubling up to 4 h between them.
 */
export interface WebhookConfig {
  /**
   * Hosts (names or addresses) a webhook may point at although they are loopback or private,
   * over http too; empty: only public https URLs.
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
}

const HOST =
  /^(\[[0-9a-f:.]+\]|[0-9a-f:.]+|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/;

function allowedHosts(env: Env): string[] {
  const raw = text(env, 'WEBHOOK_ALLOWED_HOSTS');
  if (raw === undefined) return [];
  const hosts = raw.split(',').map((host) => host.trim().toLowerCase());
  const bad = hosts.find((host) => !HOST.test(host));
  if (bad !== undefined) {
    throw new ConfigError(
      `WEBHOOK_ALLOWED_HOSTS must be host names or addresses separated by commas, got "${bad}"`,
    );
  }
  return hosts.map((host) => host.replace(/^\[(.*)\]$/, '$1'));
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
    },
  };
}
