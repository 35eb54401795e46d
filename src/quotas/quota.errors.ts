import { BrokerError } from '../common/broker-error.js';

/** A person used up one of their quotas: 429, with when to try again (Retry-After on REST). */
export class QuotaExceededError extends BrokerError {
  override name = 'QuotaExceededError';
  readonly httpStatus = 429;
  override readonly code = 'quota_exceeded';

  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.details.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}
