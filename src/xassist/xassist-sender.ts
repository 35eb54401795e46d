import { BrokenCircuitError, type IPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import { decode, errorMessage, type Answer } from './xassist-answers.js';
import {
  XAssistBudgetClosedError,
  XAssistRequestAbandonedError,
  type XAssistBudget,
} from './xassist-budget.js';
import type { RequestClaim, XAssistReadOptions } from './xassist-client.port.js';
import type { XAssistPolicies } from './xassist-policies.js';
import type { XAssistTransport } from './xassist-transport.js';
import { XAssistRejectedError, XAssistUnavailableError } from './xassist.errors.js';

/** How one request is sent: the slot it claims of the budget, and the caller's gate. */
export interface SendOptions extends XAssistReadOptions {
  claim: RequestClaim;
}

/**
 * One xAssist request under the resilience policies: each attempt with its timeout, a 5xx
 * counted as a failure, the retries, and the circuit breaker around the whole operation, each
 * attempt (retries too) sent only in a slot of the request budget. What fails comes out as an
 * XAssistError and is logged once. (XAssistHttpClient adds the session.)
 */
export class XAssistSender {
  constructor(
    private readonly transport: XAssistTransport,
    private readonly policies: XAssistPolicies,
    private readonly budget: XAssistBudget,
    private readonly logger: Logger,
  ) {}

  async send(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    token: string | undefined,
    retryPolicy: IPolicy,
    { claim, attemptGate: gate = (attempt) => attempt(), attemptReady, signal }: SendOptions,
  ): Promise<Answer> {
    const operation = path.split('?')[0];
    const attempt = (retrySignal: AbortSignal) =>
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
        retrySignal,
      );
    let attempts = 0;
    // The budget grants the slot only when the attempt would go out at once: the gate would
    // start it (attemptReady) and a connection is free. It calls the gate in that same moment.
    const ready = () => (attemptReady?.() ?? true) && this.transport.hasFreeConnection();
    // The caller's signal only takes a waiting attempt out of the budget (a retry too, once its
    // backoff is over); it never cuts one already sent.
    const request = () => ({ claim, retry: attempts++ > 0, ready, ...(signal ? { signal } : {}) });
    const inSlot = (retrySignal: AbortSignal) =>
      this.budget.spend(request(), () => gate(() => attempt(retrySignal)));
    try {
      // The breaker sees the whole operation, retries included: one poll is one sample. The
      // budget and the gate are waited for between the retries and the attempt's timeout: a
      // wait is no failure. An open circuit sends nothing, so spends no slot.
      return await this.policies.breaker.execute(({ signal: breakerSignal }) =>
        retryPolicy.execute(({ signal: retrySignal }) => inSlot(retrySignal), breakerSignal),
      );
    } catch (error) {
      const failure = this.classify(error, operation);
      if (error instanceof XAssistBudgetClosedError)
        this.logger.debug({ operation }, 'xAssist request not sent: shutting down');
      else if (error instanceof XAssistRequestAbandonedError)
        this.logger.debug({ operation }, 'xAssist request not sent: no longer wanted');
      else this.logger.warn({ operation, error: failure.message }, 'xAssist request failed');
      throw failure;
    }
  }

  private classify(error: unknown, operation: string): Error {
    if (error instanceof XAssistUnavailableError || error instanceof XAssistRejectedError)
      return error;
    // Neither retried nor counted by the breaker (it is no XAssistUnavailableError until here).
    if (error instanceof XAssistBudgetClosedError || error instanceof XAssistRequestAbandonedError)
      return new XAssistUnavailableError(`${error.message} (${operation})`, false);
    if (error instanceof BrokenCircuitError) {
      return new XAssistUnavailableError(`xAssist circuit is open; ${operation} not sent`, false);
    }
    return new XAssistUnavailableError(`xAssist request ${operation} failed unexpectedly`, true);
  }
}
