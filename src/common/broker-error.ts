/** A failure the client caused or must hear about, with the HTTP status that says so. */
export abstract class BrokerError extends Error {
  abstract readonly httpStatus: number;
  /** A stable, machine-readable code for the body; the status's own code when unset. */
  readonly code?: string;
  /** Extra fields for the answer's JSON body (never secrets). */
  readonly details: Record<string, unknown> = {};
}

export class NotFoundError extends BrokerError {
  override name = 'NotFoundError';
  readonly httpStatus = 404;
}

export class ForbiddenError extends BrokerError {
  override name = 'ForbiddenError';
  readonly httpStatus = 403;
}

/** Well-formed but unacceptable: unknown people, wrong roles, an idempotency key reused with another body. */
export class UnprocessableError extends BrokerError {
  override name = 'UnprocessableError';
  readonly httpStatus = 422;
}

export class ConflictError extends BrokerError {
  override name = 'ConflictError';
  readonly httpStatus = 409;
}

export class BadRequestError extends BrokerError {
  override name = 'BadRequestError';
  readonly httpStatus = 400;
}
