import { XASSIST_ERROR_CODE } from '../common/error-answer.js';
import { UpstreamError, type UpstreamAnswer } from '../common/upstream-error.js';

/**
 * What can go wrong when talking to xAssist. Messages never carry credentials or tokens:
 * they are built from status codes and xAssist's own error text only.
 */
export abstract class XAssistError extends UpstreamError {
  abstract readonly kind: 'unavailable' | 'rejected' | 'auth';

  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, message: this.message };
  }
}

/** xAssist could not be reached or answered garbage: a connection failure, timeout, 5xx, HTML or bad JSON. */
export class XAssistUnavailableError extends XAssistError {
  override name = 'XAssistUnavailableError';
  readonly kind = 'unavailable';
  get answer(): UpstreamAnswer {
    return {
      status: 503,
      message: 'xAssist could not be reached; try again later',
      code: XASSIST_ERROR_CODE.unavailable,
    };
  }

  constructor(
    message: string,
    /** False only when the request provably never left: safe to send again even if not idempotent. */
    readonly mayHaveReachedXAssist: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** xAssist answered getCallLogById with the CallLog of another call: nothing of it may be applied. */
export class XAssistWrongCallError extends XAssistUnavailableError {
  override name = 'XAssistWrongCallError';

  constructor(
    readonly askedCallId: string,
    readonly answeredCallId: string,
  ) {
    super(
      `xAssist answered getCallLogById for call ${askedCallId} with another call (${answeredCallId})`,
      true,
    );
  }
}

/** xAssist understood the request and refused it (a 4xx other than an expired token). */
export class XAssistRejectedError extends XAssistError {
  override name = 'XAssistRejectedError';
  readonly kind: 'rejected' | 'auth' = 'rejected';
  get answer(): UpstreamAnswer {
    return {
      status: 502,
      message: 'xAssist refused the request',
      code: XASSIST_ERROR_CODE.rejected,
    };
  }

  constructor(
    readonly status: number,
    readonly xassistMessage: string,
  ) {
    super(`xAssist refused the request (${status}): ${xassistMessage}`);
  }
}

/**
 * xAssist refused the connector's own credentials. A refusal like any other (502 to clients, as
 * docs/architecture.md says), but of every request until the configuration is fixed.
 */
export class XAssistAuthError extends XAssistRejectedError {
  override name = 'XAssistAuthError';
  override readonly kind = 'auth';
  /** Still 502, but not the client's fault: an operator must fix the account. */
  override get answer(): UpstreamAnswer {
    return {
      status: 502,
      message:
        "xAssist refused the broker's own credentials; an operator must fix the xAssist account",
      code: XASSIST_ERROR_CODE.credentialsRefused,
    };
  }

  constructor(status: number, xassistMessage: string, detail = '') {
    const refusal = `xAssist refused the broker's credentials (${status} ${xassistMessage})${detail}`;
    super(status, refusal);
    this.message = refusal;
  }
}
