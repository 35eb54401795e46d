import { BadRequestException, HttpException, PayloadTooLargeException } from '@nestjs/common';
import {
  XAssistAuthError,
  XAssistRejectedError,
  XAssistUnavailableError,
} from '../xassist/xassist.errors.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
} from './broker-error.js';
import { errorAnswer } from './error-answer.js';

describe('errorAnswer', () => {
  it.each([
    [new NotFoundError('call x not found'), 404, 'call x not found'],
    [new ForbiddenError('no'), 403, 'no'],
    [new UnprocessableError('bad person'), 422, 'bad person'],
    [new ConflictError('too late'), 409, 'too late'],
    [new XAssistRejectedError(400, 'callReason invalid'), 502, 'xAssist refused the request'],
    [
      new XAssistUnavailableError('timed out', true),
      503,
      'xAssist could not be reached; try again later',
    ],
    [
      new XAssistAuthError(401, 'Bad credentials'),
      502,
      "xAssist refused the broker's own credentials; an operator must fix the xAssist account",
    ],
    [new BadRequestException(['a must be b', 'c must be d']), 400, 'a must be b; c must be d'],
  ])('maps %p to %i', (error, status, message) => {
    expect(errorAnswer(error)).toEqual({
      status,
      body: expect.objectContaining({ statusCode: status, message }),
    });
  });

  it('gives xAssist failures a stable code and none of their text', () => {
    const rejected = errorAnswer(new XAssistRejectedError(400, 'bad \u001b[31m\r\ninjected'));
    expect(rejected.body.code).toBe('xassist_rejected');
    expect(JSON.stringify(rejected.body)).not.toMatch(/injected|\\u001b/);
    const auth = errorAnswer(new XAssistAuthError(401, 'Bad credentials for svc-acme'));
    expect(auth).toMatchObject({ status: 502, body: { code: 'xassist_credentials_refused' } });
    expect(JSON.stringify(auth.body)).not.toMatch(/svc-acme/);
  });

  it('explains what the body parser refused', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), {
      type: 'entity.too.large',
      status: 413,
    });
    expect(errorAnswer(new PayloadTooLargeException('x', { cause: tooLarge })).body.message).toBe(
      'request body is larger than 64 KiB',
    );
    const parse = Object.assign(new SyntaxError('Unexpected end of JSON input'), {
      type: 'entity.parse.failed',
      status: 400,
    });
    expect(errorAnswer(new HttpException('x', 400, { cause: parse }))).toMatchObject({
      status: 400,
      body: { message: 'malformed JSON: Unexpected end of JSON input' },
    });
  });

  it('hides the details of anything unexpected', () => {
    expect(errorAnswer(new Error('SQLITE_CORRUPT at /var/lib/secret.db'))).toEqual({
      status: 500,
      body: {
        statusCode: 500,
        error: 'Internal Server Error',
        code: 'internal_error',
        message: 'internal error; it has been logged',
      },
    });
  });

  it('carries the failed call with a creation failure', () => {
    const error = new UnprocessableError('x');
    error.details.call = { id: 'c1' };
    expect(errorAnswer(error).body.call).toEqual({ id: 'c1' });
  });
});
