import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../logging/logger.js';
import { errorAnswer, logServerSide } from '../common/error-answer.js';

/** Every REST error leaves through errorAnswer(); what the client is not told goes to the log. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const answer = errorAnswer(error);
    const request = host.switchToHttp().getRequest<Request>();
    // The route pattern, not the URL: a URL may carry a token in its query.
    const route = (request.route as { path?: string } | undefined)?.path;
    logServerSide(this.logger, error, answer, { method: request.method, route }, 'request');
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    const { retryAfterSeconds } = answer.body;
    if (typeof retryAfterSeconds === 'number') response.setHeader('Retry-After', retryAfterSeconds);
    response.status(answer.status).json(answer.body);
  }
}
