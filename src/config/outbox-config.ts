import { ConfigError, type Env, integer } from './env-readers.js';

/**
 * A retry schedule: how many attempts a row gets and how far apart (docs/notifications.md,
 * "The outbox"). The defaults retry for about a day: 18 attempts, 5 s doubling up to 4 h.
 */
export interface RetrySchedule {
  /** Attempts before a row is dead (`failed`). */
  maxAttempts: number;
  /** The first retry's delay; each next one doubles (with jitter) up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
}

/**
 * The outbox dispatcher, whatever it delivers (webhooks, chat pages). The variables keep the
 * names they were documented under (WEBHOOK_*, OUTBOX_*).
 */
export interface OutboxConfig {
  /** The schedule senders retry on (each sender adds its own time to live). */
  retry: RetrySchedule;
  /**
   * Deliveries per second to one destination: one limit for every instance together with
   * REDIS_URL (a shared RateLimiter), each instance's own while Redis does not answer.
   */
  ratePerSecond: number;
  /** How often the dispatcher looks for due rows when nothing woke it. */
  pollIntervalMs: number;
  /** A claimed row no instance finished is claimable again after this (a crashed instance). */
  leaseMs: number;
  /** Rows claimed at once. */
  batchSize: number;
  /** Attempts in flight to one destination at once, so a slow one cannot take every slot. */
  concurrencyPerDestination: number;
  /** Failed attempts in a row after which a destination's circuit opens (no attempts for a while). */
  circuitFailures: number;
  /** How long an open circuit waits before one trial attempt; doubles while trials fail, up to 16 x. */
  circuitOpenMs: number;
}

export function outboxConfig(env: Env): { outbox: OutboxConfig } {
  const retryBaseMs = integer(env, 'WEBHOOK_RETRY_BASE_MS', 5_000, 1, 86_400_000);
  const retryMaxMs = integer(env, 'WEBHOOK_RETRY_MAX_MS', 14_400_000, 1, 86_400_000);
  if (retryMaxMs < retryBaseMs) {
    throw new ConfigError(
      `WEBHOOK_RETRY_MAX_MS (${retryMaxMs}) must not be below WEBHOOK_RETRY_BASE_MS (${retryBaseMs})`,
    );
  }
  return {
    outbox: {
      retry: {
        maxAttempts: integer(env, 'WEBHOOK_MAX_ATTEMPTS', 18, 1, 100),
        retryBaseMs,
        retryMaxMs,
      },
      ratePerSecond: integer(env, 'WEBHOOK_RATE_PER_SECOND', 10, 1, 10_000),
      pollIntervalMs: integer(env, 'OUTBOX_POLL_INTERVAL_MS', 1_000, 1, 3_600_000),
      leaseMs: integer(env, 'OUTBOX_LEASE_MS', 60_000, 1_000, 3_600_000),
      batchSize: integer(env, 'OUTBOX_BATCH_SIZE', 100, 1, 10_000),
      concurrencyPerDestination: integer(env, 'WEBHOOK_CONCURRENCY_PER_DESTINATION', 4, 1, 100),
      circuitFailures: integer(env, 'WEBHOOK_CIRCUIT_FAILURES', 5, 1, 1_000),
      circuitOpenMs: integer(env, 'WEBHOOK_CIRCUIT_OPEN_MS', 30_000, 1, 3_600_000),
    },
  };
}
