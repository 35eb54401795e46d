/** The Error body of every 4xx and 5xx answer, and its socket form (common/error-answer.ts). */
import { ERROR_CODES } from '../common/error-answer.js';
import { text, type JsonSchema } from './json-schema.js';

/** An error's `code`: one of the codes the one error mapping answers with (ERROR_CODES). */
const errorCode = (description: string): JsonSchema => ({
  type: 'string',
  enum: [...ERROR_CODES],
  description: `${description} Later versions may add codes: treat an unknown one by its statusCode.`,
  example: 'bad_request',
});

const ErrorBody: JsonSchema = {
  type: 'object',
  description: 'Every 4xx and 5xx answer, REST and socket acknowledgements alike.',
  required: ['statusCode', 'error', 'code', 'message'],
  properties: {
    statusCode: { type: 'integer', minimum: 400, maximum: 599 },
    error: text('The status reason phrase.', { example: 'Bad Request' }),
    code: errorCode('Stable and machine-readable; branch on this, not on message.'),
    message: text('Names the problem, for people; may be reworded.'),
    retryAfterSeconds: {
      type: 'integer',
      minimum: 0,
      description: 'With a 429: when to try again (also the Retry-After header).',
    },
  },
};

const SocketError: JsonSchema = {
  type: 'object',
  description:
    'An error in a socket acknowledgement: the REST error body without its reason phrase.',
  required: ['statusCode', 'code', 'message'],
  properties: {
    statusCode: { type: 'integer', minimum: 400, maximum: 599 },
    code: errorCode('Stable and machine-readable, as in the REST error body.'),
    message: text('Names the problem, for people.'),
    retryAfterSeconds: { type: 'integer', minimum: 0 },
  },
};

export const ERROR_SCHEMAS = { Error: ErrorBody, SocketError } satisfies Record<string, JsonSchema>;
