import { BrokenCircuitError, type IPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import { decode, errorMessage, type Answer } from './xassist-answers.js';
import type { AttemptGate } from './xassist-client.port.js';
import type { XAssistPolicies } from './xassist-policies.js';
import type { XAssistTransport } from './xassist-transport.js';
import { XAssistRejectedError, XAssistUnavailableError } from './xassist.errors.js';

/**
 * One xAssist request under the resilience policies: each attempt with its timeout, a 5xx
 * counted as a failure, the retries, and the circuit breaker around the whole operation. What
 * fails comes out as an XAssistError and is logged once. (XAssistHttpClient adds the session.)
 */
export class XAssistSender {
  constructor(
    private readonly transport: XAssistTransport,
    private readonly policies: XAssistPolicies,
    private readonly logger: Logger,
  ) {}

  async send(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    token: string | undefined,
    retryPolicy: IPolicy,
    gate: AttemptGate = (attempt) => attempt(),
  ): Promise<Answer> {
    const operation = path.split('?')[0];
    const attempt = (signal: AbortSignal) =>
      this.policies.attempt(
        operation,
        async (attemptSignal) => {
          const raw = await this.transport.request(
            method,
            path,
            operation,
            body,
            token,
            attemptSignal,
          );
          const answer = decode(raw, operation);
          if (answer.status >= 500) {
            const detail = errorMessage(answer.body);
            throw new XAssistUnavailableError(
              `xAssist answered ${answer.status} to ${operation}: ${detail}`,
              true,
              answer.status,
            );
          }
          return answer;
        },
        signal,
      );
    try {
      // The breaker sees the whole operation, retries included: one poll is one sample. The gate
      // is waited for between the retries and the attempt's timeout: a wait is no failure.
      return await this.policies.breaker.execute(({ signal }) =>
        retryPolicy.execute(({ signal: retrySignal }) => gate(() => attempt(retrySignal)), signal),
      );
    } catch (error) {
      const failure = this.classify(error, operation);
      this.logger.warn({ operation, error: failure.message }, 'xAssist request failed');
      throw failure;
    }
  }

  private classify(error: unknown, operation: string): Error {
    if (error instanceof XAssistUnavailableError || error instanceof XAssistRejectedError)
      return error;
    if (error instanceof BrokenCircuitError) {
      return new XAssistUnavailableError(`xAssist circuit is open; ${operation} not sent`, false);
    }
    return new XAssistUnavailableError(`xAssist request ${operation} failed unexpectedly`, true);
  }
}
