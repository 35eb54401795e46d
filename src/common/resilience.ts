import {
  CircuitState as BreakerState,
  CountBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  noJitterGenerator,
  timeout,
  type CircuitBreakerPolicy,
} from 'cockatiel';

/**
 * The resilience building blocks every outbound HTTP client of the broker shares (xAssist, the
 * chat channels): a circuit breaker counted per operation and a timeout per attempt.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Failed operations among the last `window` that open the circuit. */
  threshold: number;
  window: number;
  /** The first open period; it doubles while probes keep failing, up to `openMaxMs`. */
  openMs: number;
  openMaxMs: number;
}

/** A breaker that opens when `threshold` of the last `window` operations failed as `isFailure` says. */
export function countBreaker(
  isFailure: (error: unknown) => boolean,
  { threshold, window, openMs, openMaxMs }: BreakerSettings,
): CircuitBreakerPolicy {
  return circuitBreaker(handleWhen(isFailure), {
    // CountBreaker opens on a share strictly above its threshold of a full window, hence the
    // half step below `threshold`.
    breaker: new CountBreaker({ threshold: (threshold - 0.5) / window, size: window }),
    // Short at first; doubles only while the probes keep failing, and resets once one succeeds.
    halfOpenAfter: new ExponentialBackoff({
      generator: noJitterGenerator,
      initialDelay: openMs,
      maxDelay: openMaxMs,
    }),
  });
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

/**
 * One attempt bounded by `timeoutMs`: `fn` gets a signal that aborts at the deadline, and a
 * deadline reached (not a caller's own abort) becomes the error `onTimeout` makes.
 */
export function boundedAttempt(
  timeoutMs: number,
  onTimeout: (operation: string) => Error,
): <T>(
  operation: string,
  fn: (signal: AbortSignal) => Promise<T>,
  signal?: AbortSignal,
) => Promise<T> {
  const perAttempt = timeout(timeoutMs, TimeoutStrategy.Aggressive);
  return async (operation, fn, signal) => {
    try {
      return await perAttempt.execute(({ signal: attemptSignal }) => fn(attemptSignal), signal);
    } catch (error) {
      if (error instanceof TaskCancelledError && !signal?.aborted) throw onTimeout(operation);
      throw error;
    }
  };
}

/** Connection errors meaning the request never left this process: nothing reached the server. */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
