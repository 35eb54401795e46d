import { HttpException } from '@nestjs/common';
import type { Logger } from 'pino';
import { BrokerError } from './broker-error.js';
import { MAX_BODY_BYTES } from './limits.js';
import { StorageUnavailableError, databaseIsAway, storageFailureOf } from './storage-failure.js';
import { UpstreamError } from './upstream-error.js';

export interface ErrorAnswer {
  status: number;
  body: {
    statusCode: number;
    error: string;
    /** Stable and machine-readable; `message` is for people and may be reworded. */
    code: string;
    message: string;
    [detail: string]: unknown;
  };
}

/** Each status's reason phrase and the code its answers carry unless the error names another. */
const STATUSES: Record<number, [reason: string, code: string]> = {
  400: ['Bad Request', 'bad_request'],
  401: ['Unauthorized', 'unauthorized'],
  403: ['Forbidden', 'forbidden'],
  404: ['Not Found', 'not_found'],
  409: ['Conflict', 'conflict'],
  413: ['Payload Too Large', 'payload_too_large'],
  415: ['Unsupported Media Type', 'unsupported_media_type'],
  422: ['Unprocessable Entity', 'unprocessable'],
  429: ['Too Many Requests', 'quota_exceeded'],
  500: ['Internal Server Error', 'internal_error'],
  502: ['Bad Gateway', 'bad_gateway'],
  503: ['Service Unavailable', 'unavailable'],
};

function answer(
  status: number,
  message: string,
  details: Record<string, unknown> = {},
  code?: string,
): ErrorAnswer {
  const [reason, statusCode] = STATUSES[status] ?? ['Error', 'error'];
  return {
    status,
    body: { statusCode: status, error: reason, code: code ?? statusCode, message, ...details },
  };
}

/** The codes of answers about xAssist, whatever xAssist itself said. */
export const XASSIST_ERROR_CODE = {
  rejected: 'xassist_rejected',
  credentialsRefused: 'xassist_credentials_refused',
  unavailable: 'xassist_unavailable',
} as const;

/** The codes of the broker's own 503s: its storage failing, a creation a crash interrupted. */
export const SERVICE_ERROR_CODE = {
  storageUnavailable: 'storage_unavailable',
  creationInterrupted: 'creation_interrupted',
} as const;

/** The one mapping from any thrown thing to what a client is told (REST and socket alike). */
export function errorAnswer(error: unknown): ErrorAnswer {
  const storage = error instanceof BrokerError ? undefined : StorageUnavailableError.from(error);
  if (storage) return answer(storage.httpStatus, storage.message, storage.details, storage.code);
  if (error instanceof BrokerError)
    return answer(error.httpStatus, error.message, error.details, error.code);
  // An upstream's own text (xAssist's, the connector's account) stays in the log
  // (logServerSide), never in a body: each upstream error names what its clients are told.
  if (error instanceof UpstreamError) {
    const { status, message, code } = error.answer;
    return answer(status, message, {}, code);
  }
  if (error instanceof HttpException) {
    const cause = (error as { cause?: unknown }).cause;
    const fromBodyParser = bodyParserAnswer(cause);
    if (fromBodyParser) return fromBodyParser;
    const response = error.getResponse();
    const raw =
      typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const message = Array.isArray(raw) ? raw.join('; ') : String(raw ?? error.message);
    return answer(error.getStatus(), message);
  }
  return bodyParserAnswer(error) ?? answer(500, 'internal error; it has been logged');
}

/** Errors raised by Express's body parser before Nest sees the request. */
function bodyParserAnswer(error: unknown): ErrorAnswer | undefined {
  const { type } = (error ?? {}) as { type?: string };
  const message = (error as Error | undefined)?.message;
  if (type === 'entity.too.large')
    return answer(413, `request body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
  if (type === 'entity.parse.failed') return answer(400, `malformed JSON: ${message}`);
  if (type === 'charset.unsupported' || type === 'encoding.unsupported')
    return answer(415, String(message));
  return undefined;
}

/**
 * Logs what the client was not told: every 5xx, with the error and its detail. 500s are bugs
 * (error); 502/503 are xAssist or the identity provider misbehaving (warn).
 */
export function logServerSide(
  logger: Logger,
  error: unknown,
  { status }: ErrorAnswer,
  context: Record<string, unknown>,
  what: string,
): void {
  if (status < 500) return;
  const storage = storageFailureOf(error);
  if (storage === 'unreachable' || storage === 'timeout') {
    // Every request answers 503 while the database is away: the pool logs the outage once when it
    // begins and once when it ends (src/database/healing-pool.ts), not once per request.
    logger.debug({ err: error, storage, ...context }, `${what} failed: the database is away`);
    return;
  }
  if (storage) {
    // The database's own error (SQLITE_FULL, 53100...), not a rollback that failed after it.
    logger.error(
      { err: error, storage, ...context },
      `${what} failed: the database refuses writes`,
    );
    return;
  }
  if (status === 500) logger.error({ err: error, ...context }, `${what} failed unexpectedly`);
  else logger.warn({ err: error, status, ...context }, `${what} answered ${status}`);
}

/**
 * Logs a background round (a tick, a sweep, a snapshot) that failed: at error level, unless the
 * database is away, which its pool logs once per outage (src/database/healing-pool.ts); the
 * rounds keep failing until it is back and would otherwise log one line each.
 */
export function logRoundFailure(
  logger: Logger,
  error: unknown,
  context: Record<string, unknown>,
  message: string,
): void {
  logger[databaseIsAway(error) ? 'debug' : 'error']({ err: error, ...context }, message);
}

/**
 * The codes of routing's refusals: a full queue (503 QueueFullError); a technician's share of it
 * used up (429 QueueShareFullError); `urgent` from a role the queue does not allow (403
 * UrgentNotAllowedError); an expert accepting a request they asked for (403 OwnRequestError).
 */
export const ROUTING_ERROR_CODE = {
  queueFull: 'queue_full',
  queueShareFull: 'queue_share_full',
  urgentNotAllowed: 'urgent_not_allowed',
  ownRequest: 'own_request',
} as const;

/** The code of a 409 for an integration that already holds its most webhooks (WebhookLimitError). */
export const WEBHOOK_ERROR_CODE = { limitReached: 'webhook_limit_reached' } as const;

/**
 * The codes of a booking's 409s: the named expert has a session then (AppointmentClashError, the
 * body's `clash` names it); no expert of the queue is free then (NoExpertFreeError).
 */
export const APPOINTMENT_ERROR_CODE = {
  clash: 'appointment_clash',
  noExpertFree: 'no_expert_free',
} as const;

/**
 * Every code an answer may carry: each status's own and every named one above. It is the Error
 * schema's `code` enum (src/openapi/error-schemas.ts), so a new named code goes in here too;
 * test/docs-match-code.e2e-spec.ts fails for a code the source names that is not listed.
 */
export const ERROR_CODES: readonly string[] = [
  ...new Set([
    ...Object.values(STATUSES).map(([, code]) => code),
    ...Object.values(XASSIST_ERROR_CODE),
    ...Object.values(SERVICE_ERROR_CODE),
    ...Object.values(ROUTING_ERROR_CODE),
    ...Object.values(WEBHOOK_ERROR_CODE),
    ...Object.values(APPOINTMENT_ERROR_CODE),
  ]),
];
