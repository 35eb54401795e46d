import { type Env, integer } from './env-readers.js';

/** How the call tracker follows calls on xAssist. */
export interface PollingConfig {
  ringingMs: number;
  connectedMs: number;
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
  return {
    ringingMs: integer(env, 'POLL_INTERVAL_RINGING_MS', 1000, 50, 3600000),
    connectedMs: integer(env, 'POLL_INTERVAL_CONNECTED_MS', 5000, 50, 3600000),
    maxConcurrent: integer(env, 'POLL_MAX_CONCURRENT', 32, 1, 1024),
    slowAttemptMs: integer(env, 'POLL_SLOW_ATTEMPT_MS', defaultSlowMs, 1, 300000),
    notFoundPollsToFail: integer(env, 'POLL_NOT_FOUND_TO_FAIL', 3, 1, 1000),
  };
}
