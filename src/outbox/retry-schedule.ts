import type { RetrySchedule } from '../config/app-config.js';

export type { RetrySchedule } from '../config/app-config.js';

/** Delays vary by up to this share either way, so receivers that failed together do not get retried in step. */
const JITTER = 0.2;

/** Retry-After is honoured up to a day; a larger value would only park a delivery for good. */
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * How long to wait after failed attempt number `attempts` (1 = the first), or undefined when it
 * was the last: base doubling per attempt up to the max, jittered, and never sooner than the
 * receiver's Retry-After.
 */
export function retryDelayMs(
  schedule: RetrySchedule,
  attempts: number,
  retryAfterMs: number,
  random: () => number = Math.random,
): number | undefined {
  if (attempts >= schedule.maxAttempts) return undefined;
  const backoff = Math.min(schedule.retryMaxMs, schedule.retryBaseMs * 2 ** (attempts - 1));
  const jittered = backoff * (1 - JITTER + 2 * JITTER * random());
  return Math.round(Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)));
}

/**
 * The longest `schedule` takes from a row's first attempt to its last, every delay at the top of
 * its jitter (a receiver's Retry-After aside): a time to live that ends no row the schedule would
 * still retry.
 */
export function retrySpanMs(schedule: RetrySchedule): number {
  let span = 0;
  for (let attempts = 1; attempts < schedule.maxAttempts; attempts++)
    span += Math.min(schedule.retryMaxMs, schedule.retryBaseMs * 2 ** (attempts - 1));
  return Math.ceil(span * (1 + JITTER));
}
