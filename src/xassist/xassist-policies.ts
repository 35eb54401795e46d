import {
  ExponentialBackoff,
  handleWhen,
  retry,
  type CircuitBreakerPolicy,
  type IPolicy,
} from 'cockatiel';
import { boundedAttempt, countBreaker } from '../common/resilience.js';
import type { XAssistConfig } from '../config/app-config.js';
import { XAssistUnavailableError } from './xassist.errors.js';

export interface XAssistRetryOptions {
  retryAttempts: number;
  retryInitialDelayMs: number;
}

export const DEFAULT_RETRY: XAssistRetryOptions = { retryAttempts: 3, retryInitialDelayMs: 100 };

/**
 * How one xAssist operation is run: the circuit breaker around the whole operation (so that a
 * poll and its retries count once), the retries inside it, and a timeout per attempt.
 */
export interface XAssistPolicies {
  breaker: CircuitBreakerPolicy;
  /** For idempotent requests: retried on any unavailability. */
  readRetry: IPolicy;
  /** For createCall: retried only when the request provably never left. */
  createRetry: IPolicy;
  /** One HTTP attempt; a timeout becomes XAssistUnavailableError (it may have reached xAssist). */
  attempt<T>(
    operation: string,
    fn: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T>;
}

export function xassistPolicies(
  config: XAssistConfig,
  retryOptions: Partial<XAssistRetryOptions>,
): XAssistPolicies {
  const options = { ...DEFAULT_RETRY, ...retryOptions };
  const breaker = countBreaker((error) => error instanceof XAssistUnavailableError, config.breaker);
  const attempt = boundedAttempt(
    config.requestTimeoutMs + config.connectTimeoutMs,
    (operation) => new XAssistUnavailableError(`xAssist timed out on ${operation}`, true),
  );
  const backoff = new ExponentialBackoff({
    initialDelay: options.retryInitialDelayMs,
    maxDelay: 5_000,
  });
  const retryWhen = (predicate: (error: XAssistUnavailableError) => boolean) =>
    retry(
      handleWhen((error) => error instanceof XAssistUnavailableError && predicate(error)),
      { maxAttempts: options.retryAttempts - 1, backoff },
    );
  return {
    breaker,
    readRetry: retryWhen(() => true),
    createRetry: retryWhen((error) => !error.mayHaveReachedXAssist),
    attempt,
  };
}

export { circuitStateOf } from '../common/resilience.js';
