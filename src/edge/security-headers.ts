import type { NextFunction, Request, Response } from 'express';
import type { ServerResponse } from 'node:http';

/** Nothing is framed, sniffed or told where the user came from; nothing is cached by default. */
const ALWAYS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Sets the headers every answer carries. `Cache-Control: no-store` keeps authenticated JSON
 * out of shared and browser caches; static files that may be cached say so themselves.
 */
export function securityHeaders(_request: Request, response: Response, next: NextFunction): void {
  setSecurityHeaders(response);
  next();
}

/** The same headers on any Node answer (socket.io's engine writes its own, outside Express). */
export function setSecurityHeaders(response: Pick<ServerResponse, 'setHeader'>): void {
  for (const [name, value] of Object.entries(ALWAYS)) response.setHeader(name, value);
  response.setHeader('cache-control', 'no-store');
}
