import {
  CircuitState as BreakerState,
  CountBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  noJitterGenerator,
  retry,
  timeout,
  type CircuitBreakerPolicy,
  type IPolicy,
} from 'cockatiel';
import type { XAssistConfig } from '../config/app-config.js';
import type { CircuitState } from './xassist-client.port.js';
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
  const isUnavailable = handleWhen((error) => error instanceof XAssistUnavailableError);
  const { threshold, window, openMs, openMaxMs } = config.breaker;
  const breaker = circuitBreaker(isUnavailable, {
    // Opens when `threshold` of the last `window` operations failed. CountBreaker opens on a share
    // strictly above its threshold of a full window, hence the half step below `threshold`.
    breaker: new CountBreaker({
      threshold: (threshold - 0.5) / window,
      size: window,
    }),
    // Short at first; doubles only while the probes keep failing, and resets once one succeeds.
    halfOpenAfter: new ExponentialBackoff({
      generator: noJitterGenerator,
      initialDelay: openMs,
      maxDelay: openMaxMs,
    }),
  });
  const perAttempt = timeout(
    config.requestTimeoutMs + config.connectTimeoutMs,
    TimeoutStrategy.Aggressive,
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
    async attempt(operation, fn, signal) {
      try {
        return await perAttempt.execute(({ signal: attemptSignal }) => fn(attemptSignal), signal);
      } catch (error) {
        if (error instanceof TaskCancelledError && !signal.aborted) {
          throw new XAssistUnavailableError(`xAssist timed out on ${operation}`, true);
        }
        throw error;
      }
    },
  };
}

export function circuitStateOf(breaker: CircuitBreakerPolicy): CircuitState {
  switch (breaker.state) {
    case BreakerState.Closed:
      return 'closed';
    case BreakerState.HalfOpen:
      return 'half-open';
    default:
      return 'open';
  }
}
