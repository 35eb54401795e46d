import { XAssistUnavailableError } from '../xassist/xassist.errors.js';
import { errorAnswer } from './error-answer.js';
import { connectionFailureKind, DatabaseConnectionError } from './storage-failure.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('connection failures of the database (issue 18, item 2)', () => {
  it.each([
    [withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'unreachable'],
    [withCode('ECONNRESET', 'read ECONNRESET'), 'unreachable'],
    [withCode('08006', 'connection failure'), 'unreachable'],
    [withCode('57P01', 'terminating connection due to administrator command'), 'unreachable'],
    [withCode('57P03', 'the database system is starting up'), 'unreachable'],
    [new Error('Connection terminated unexpectedly'), 'unreachable'],
    [
      new Error('Connection terminated due to connection timeout', {
        cause: new Error('timeout expired'),
      }),
      'unreachable',
    ],
    [new Error('Query read timeout'), 'timeout'],
    [new Error('timeout exceeded when trying to connect'), 'timeout'],
    [withCode('57014', 'canceling statement due to statement timeout'), 'timeout'],
    [withCode('23505', 'duplicate key value'), undefined],
    [new Error('something else'), undefined],
  ])('reads %p as %p', (error, kind) => {
    expect(connectionFailureKind(error)).toBe(kind);
  });

  it('answers 503 storage_unavailable with the kind, and none of the driver text', () => {
    const failure = new DatabaseConnectionError('unreachable', withCode('ECONNREFUSED', 'secret'));
    expect(errorAnswer(failure)).toEqual({
      status: 503,
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        code: 'storage_unavailable',
        storage: 'unreachable',
        message: 'the broker cannot store data: its database cannot be reached; try again later',
      },
    });
  });

  it('never reads xAssist being unreachable as storage', () => {
    const xassist = Object.assign(new XAssistUnavailableError('fetch failed', true), {
      cause: withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:443'),
    });
    expect(errorAnswer(xassist).body.code).toBe('xassist_unavailable');
  });
});
