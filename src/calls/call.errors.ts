import { BrokerError } from '../common/broker-error.js';
import { toCallView, type CallRecord } from './call.model.js';

/** xAssist refused (502) or could not be reached (503); the call is kept as failed. */
export class CallCreationFailedError extends BrokerError {
  override name = 'CallCreationFailedError';
  readonly httpStatus: number;

  constructor(readonly call: CallRecord) {
    super(call.failureReason ?? 'the call could not be created on xAssist');
    this.httpStatus = call.failureReason?.startsWith(FAILURE_PREFIX.rejected) ? 502 : 503;
    this.details.call = toCallView(call);
  }
}

export const FAILURE_PREFIX = {
  rejected: 'xAssist refused the call: ',
  unavailable: 'xAssist was unreachable: ',
  interrupted: 'the broker stopped while creating the call; xAssist may hold it',
} as const;
