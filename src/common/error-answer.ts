import { HttpException } from '@nestjs/common';
import {
  XAssistRejectedError,
  XAssistUnavailableError,
  XAssistAuthError,
} from '../xassist/xassist.errors.js';
import { BrokerError } from './broker-error.js';
import { MAX_BODY_BYTES } from './limits.js';

export interface ErrorAnswer {
  status: number;
  body: { statusCode: number; error: string; message: string; [detail: string]: unknown };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

function answer(
  status: number,
  message: string,
  details: Record<string, unknown> = {},
): ErrorAnswer {
  return {
    status,
    body: { statusCode: status, error: REASONS[status] ?? 'Error', message, ...details },
  };
}

/** The one mapping from any thrown thing to what a client is told (REST and socket alike). */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof BrokerError) return answer(error.httpStatus, error.message, error.details);
  if (error instanceof XAssistRejectedError) return answer(502, error.message);
  if (error instanceof XAssistUnavailableError || error instanceof XAssistAuthError) {
    return answer(503, `xAssist is unavailable: ${error.message}`);
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
