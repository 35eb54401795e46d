import { ConfigError, integer, type Env } from './env-readers.js';

/** When the xAssist circuit opens and for how long; counted per operation, never per retry. */
export interface XAssistBreakerConfig {
  /** Failed operations among the last `window` that open the circuit (a poll and its retries are one). */
  threshold: number;
  window: number;
  /** The first open period; it doubles while probes keep failing, up to `openMaxMs`. */
  openMs: number;
  openMaxMs: number;
}

/** How long the client waits after xAssist refused the connector's login before trying again. */
export interface XAssistLoginBackoffConfig {
  /** The first pause; it doubles with each refusal in a row, up to `maxMs`. */
  initialMs: number;
  maxMs: number;
}

export interface XAssistResilienceConfig {
  breaker: XAssistBreakerConfig;
  loginBackoff: XAssistLoginBackoffConfig;
}

/** The xAssist client's circuit breaker and login backoff (part of the xassist slice). */
export function xassistResilienceConfig(env: Env): XAssistResilienceConfig {
  const window = integer(env, 'XASSIST_BREAKER_WINDOW', 20, 1, 10000);
  const threshold = integer(env, 'XASSIST_BREAKER_THRESHOLD', 10, 1, 10000);
  if (threshold > window) {
    throw new ConfigError(
      `XASSIST_BREAKER_THRESHOLD (${threshold}) must not exceed XASSIST_BREAKER_WINDOW (${window}): it counts failures among that many operations`,
    );
  }
  const openMs = integer(env, 'XASSIST_BREAKER_HALF_OPEN_MS', 1000, 10, 3600000);
  const openMaxMs = integer(env, 'XASSIST_BREAKER_HALF_OPEN_MAX_MS', 30000, 10, 3600000);
  if (openMaxMs < openMs) {
    throw new ConfigError(
      `XASSIST_BREAKER_HALF_OPEN_MAX_MS (${openMaxMs}) must be at least XASSIST_BREAKER_HALF_OPEN_MS (${openMs})`,
    );
  }
  const initialMs = integer(env, 'XASSIST_LOGIN_BACKOFF_MS', 10000, 10, 3600000);
  const maxMs = integer(env, 'XASSIST_LOGIN_BACKOFF_MAX_MS', 600000, 10, 86400000);
  if (maxMs < initialMs) {
    throw new ConfigError(
      `XASSIST_LOGIN_BACKOFF_MAX_MS (${maxMs}) must be at least XASSIST_LOGIN_BACKOFF_MS (${initialMs})`,
    );
  }
  return {
    breaker: { threshold, window, openMs, openMaxMs },
    loginBackoff: { initialMs, maxMs },
  };
}
