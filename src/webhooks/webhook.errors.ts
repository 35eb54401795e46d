import { BrokerError } from '../common/broker-error.js';
import { WEBHOOK_ERROR_CODE } from '../common/error-answer.js';

/**
 * The integration already holds WEBHOOK_MAX_PER_INTEGRATION webhooks: 409, nothing created.
 * Each call change owes every subscription an outbox row, so the cap bounds a change's fan-out.
 */
export class WebhookLimitError extends BrokerError {
  override name = 'WebhookLimitError';
  readonly httpStatus = 409;
  override readonly code = WEBHOOK_ERROR_CODE.limitReached;

  constructor(ownerId: string, limit: number) {
    super(
      `${ownerId} already has ${limit} webhooks, the most allowed; delete one before adding another`,
    );
    this.details.limit = limit;
  }
}
