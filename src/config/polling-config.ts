import { type Env, integer } from './env-readers.js';

/** How the call tracker follows calls on xAssist. */
export interface PollingConfig {
  ringingMs: number;
  connectedMs: number;
  /** Poll attempts in flight at once, across all calls. */
  maxConcurrent: number;
  /** getCallLogById answering 404 this many times in a row ends the call as `failed`. */
  notFoundPollsToFail: number;
}

export function pollingConfig(env: Env): PollingConfig {
  return {
    ringingMs: integer(env, 'POLL_INTERVAL_RINGING_MS', 1000, 50, 3600000),
    connectedMs: integer(env, 'POLL_INTERVAL_CONNECTED_MS', 5000, 50, 3600000),
    maxConcurrent: integer(env, 'POLL_MAX_CONCURRENT', 32, 1, 1024),
    notFoundPollsToFail: integer(env, 'POLL_NOT_FOUND_TO_FAIL', 3, 1, 1000),
  };
}
