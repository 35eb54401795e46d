import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp, type Options } from 'pino-http';
import { redactUrl } from './redact-url.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** An incoming id is kept only when it cannot forge log lines or headers. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Probes scraped every few seconds would drown the access log. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** pino-http invents an Error for any status >= 500 that no exception caused. */
const INVENTED_ERROR = /^failed with status code \d+$/;

/** The request id: the caller's (a proxy or a client tracing its own requests) or a new one. */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id =
    typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/**
 * The access log: one line per request with its id (echoed in the response) and, once the
 * guard has authenticated it, the caller's person id. A 502 or 503 is the upstream's state, not
 * a broker bug: a warning without a stack trace (the cause is logged where it happened).
 */
export function httpLogger(logger: Logger) {
  const options: Options = {
    logger,
    genReqId: requestIdOf,
    autoLogging: { ignore: (req) => QUIET_PATHS.has(req.url ?? '') },
    customLogLevel: (_req, res, error) => {
      if (res.statusCode === 502 || res.statusCode === 503) return 'warn';
      return error || res.statusCode >= 500 ? 'error' : 'info';
    },
    customProps: (req) => {
      const person = (req as { person?: { id: string } }).person;
      return person ? { personId: person.id } : {};
    },
    customErrorObject: (_req, _res, error, value) => {
      if (!INVENTED_ERROR.test(error.message)) return value;
      const { err: _invented, ...rest } = value as Record<string, unknown>;
      return rest;
    },
    serializers: {
      // Old dashboard links and some clients put tokens in the query string.
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
  return pinoHttp(options);
}
