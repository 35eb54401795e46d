import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../logging/logger.js';
import { errorAnswer } from './error-answer.js';

/** Every REST error leaves through errorAnswer(); only the unexpected ones are logged as errors. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const { status, body } = errorAnswer(error);
    if (status >= 500 && status !== 502 && status !== 503)
      this.logger.error({ err: error }, 'unhandled error');
    const response = host.switchToHttp().getResponse<Response>();
    if (!response.headersSent) response.status(status).json(body);
  }
}
