import { BrokerError } from '../common/broker-error.js';
import { XASSIST_ERROR_CODE } from '../common/error-answer.js';
import { toCallView, type CallRecord } from './call.model.js';

/**
 * A failed call's failureReason, as clients see it: plain and stable. What xAssist said (its
 * text, status, the connector's account) goes to the log only, never into the call.
 */
export const FAILURE_REASON = {
  rejected: 'xAssist refused the call',
  credentialsRefused:
    "xAssist refused the broker's own credentials; an operator must fix the xAssist account",
  unavailable: 'xAssist could not be reached',
  interrupted: 'the broker stopped while creating the call; xAssist may hold it',
  vanished: 'xAssist no longer knows the call',
} as const;

/** xAssist refused (502) or could not be reached (503); the call is kept as failed. */
export class CallCreationFailedError extends BrokerError {
  override name = 'CallCreationFailedError';
  readonly httpStatus: number;
  override readonly code: string;

  constructor(readonly call: CallRecord) {
    const credentials = call.failureReason === FAILURE_REASON.credentialsRefused;
    const rejected = call.failureReason?.startsWith(FAILURE_REASON.rejected) ?? false;
    super(
      credentials
        ? FAILURE_REASON.credentialsRefused
        : rejected
          ? FAILURE_REASON.rejected
          : `${FAILURE_REASON.unavailable}; try again later`,
    );
    this.httpStatus = credentials || rejected ? 502 : 503;
    this.code = credentials
      ? XASSIST_ERROR_CODE.credentialsRefused
      : rejected
        ? XASSIST_ERROR_CODE.rejected
        : XASSIST_ERROR_CODE.unavailable;
    this.details.call = toCallView(call);
  }
}
