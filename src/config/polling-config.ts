import { ConfigError, type Env, integer } from './env-readers.js';

/**
 * How the call tracker follows calls on xAssist (docs/architecture.md › Following calls). The
 * request budget (XASSIST_MAX_REQUESTS_PER_SECOND) decides how often within these bounds.
 */
export interface PollingConfig {
  /** A ringing call is polled no more often than this... */
  minMs: number;
  /** ...and, while the budget allows, no less often than this (its slowest cadence). */
  ringingMs: number;
  /** A connected call's cadence while the budget allows... */
  connectedMs: number;
  /** ...and the slowest it is stretched to before ringing calls are slowed too. */
  connectedMaxMs: number;
  /** Poll attempts in flight at once, across all calls. */
  maxConcurrent: number;
  /**
   * A poll attempt that takes longer than this makes its call slow until one answers within it;
   * slow calls' attempts never take the reserved poll slots.
   */
  slowAttemptMs: number;
  /** getCallLogById answering 404 this many times in a row ends the call as `failed`. */
  notFoundPollsToFail: number;
}

/** `xassistRequestTimeoutMs`: XASSIST_REQUEST_TIMEOUT_MS; the slow threshold is a tenth of it by default. */
export function pollingConfig(env: Env, xassistRequestTimeoutMs: number): PollingConfig {
  const defaultSlowMs = Math.max(1, Math.round(xassistRequestTimeoutMs / 10));
  const ringingMs = integer(env, 'POLL_INTERVAL_RINGING_MS', 1000, 50, 3600000);
  const minMs = integer(env, 'POLL_INTERVAL_MIN_MS', Math.min(250, ringingMs), 10, 3600000);
  if (minMs > ringingMs) {
    throw new ConfigError(
      `POLL_INTERVAL_MIN_MS (${minMs}) must not be longer than POLL_INTERVAL_RINGING_MS (${ringingMs})`,
    );
  }
  const connectedMs = integer(env, 'POLL_INTERVAL_CONNECTED_MS', 5000, 50, 3600000);
  const connectedMaxMs = integer(
    env,
    'POLL_INTERVAL_CONNECTED_MAX_MS',
    connectedMs * 3,
    50,
    3600000,
  );
  if (connectedMaxMs < connectedMs) {
    throw new ConfigError(
      `POLL_INTERVAL_CONNECTED_MAX_MS (${connectedMaxMs}) must not be shorter than POLL_INTERVAL_CONNECTED_MS (${connectedMs})`,
    );
  }
  return {
    minMs,
    ringingMs,
    connectedMs,
    connectedMaxMs,
    maxConcurrent: integer(env, 'POLL_MAX_CONCURRENT', 32, 1, 1024),
    slowAttemptMs: integer(env, 'POLL_SLOW_ATTEMPT_MS', defaultSlowMs, 1, 300000),
    notFoundPollsToFail: integer(env, 'POLL_NOT_FOUND_TO_FAIL', 3, 1, 1000),
  };
}
