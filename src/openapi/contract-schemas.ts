/**
 * The public shapes as JSON Schemas: the one source for the OpenAPI document (/docs-json), the
 * AsyncAPI document of the socket events (docs/asyncapi.json) and the tests that check real
 * answers against both. Written for JSON Schema 2020-12 as OpenAPI 3.1 uses it: a nullable field
 * is `type: [..., 'null']`. Objects stay open (clients must ignore fields they do not know, so
 * the broker may add some); the contract test closes them to catch undocumented fields.
 */
import { CALL_STATUSES } from '../calls/call-lifecycle.js';
import { CALL_CONTEXT_LIMITS } from '../calls/dto/call-context.validation.js';
import { ERROR_CODES } from '../common/error-answer.js';
import { ROLES } from '../directory/person.js';
import { PRIORITIES } from '../calls/call.model.js';
import { CALL_REASONS, CALL_TYPES } from '../xassist-contract/xassist-contract.js';
import { instant, orNull, ref, text, type JsonSchema } from './json-schema.js';
import { ROUTING_SCHEMAS } from './routing-schemas.js';
import { WEBHOOK_SCHEMAS } from './webhook-schemas.js';

export type { JsonSchema } from './json-schema.js';

const PersonRef: JsonSchema = {
  type: 'object',
  description: 'A directory person as clients see them.',
  required: ['id', 'displayName'],
  properties: {
    id: text('The directory id (a token `sub`).', { example: 'erika' }),
    displayName: text('For people to read.', { example: 'Erika Expert' }),
  },
};

const Call: JsonSchema = {
  type: 'object',
  description: 'One expert call and where it stands.',
  required: [
    'id',
    'xassistCallId',
    'status',
    'title',
    'reason',
    'callType',
    'anonymousJoinAllowed',
    'description',
    'externalRef',
    'metadata',
    'technician',
    'experts',
    'joinedExpertId',
    'failureReason',
    'queue',
    'priority',
    'queuedAt',
    'acceptedBy',
    'seq',
    'createdAt',
    'ringingAt',
    'expertJoinedAt',
    'connectedAt',
    'endedAt',
    'updatedAt',
  ],
  properties: {
    id: text("The broker's call id.", { format: 'uuid' }),
    xassistCallId: orNull(text('The xAssist call to join; null until xAssist created it.')),
    status: {
      type: 'string',
      enum: [...CALL_STATUSES],
      description:
        '(queued ->) creating -> ringing -> expert_joined -> connected -> ended; or failed, unanswered, missed, cancelled.',
    },
    title: text('Shown on xAssist.', { minLength: 1, maxLength: 200 }),
    reason: { type: 'string', enum: [...CALL_REASONS] },
    callType: { type: 'string', enum: [...CALL_TYPES] },
    anonymousJoinAllowed: { type: 'boolean' },
    description: orNull(
      text('What the technician needs help with.', {
        maxLength: CALL_CONTEXT_LIMITS.descriptionMaxLength,
      }),
    ),
    externalRef: orNull(
      text('The ERP or ticket id given at creation.', {
        maxLength: CALL_CONTEXT_LIMITS.externalRefMaxLength,
      }),
    ),
    metadata: {
      type: 'object',
      description: "The caller's own key/value context; {} when none was given.",
      additionalProperties: {
        type: 'string',
        maxLength: CALL_CONTEXT_LIMITS.metadataValueMaxLength,
      },
      maxProperties: CALL_CONTEXT_LIMITS.metadataMaxKeys,
    },
    technician: ref('PersonRef'),
    experts: {
      type: 'array',
      items: ref('PersonRef'),
      description: 'The experts rung; for a queued call empty until an expert accepts it.',
    },
    joinedExpertId: orNull(text('The expert who joined first.')),
    failureReason: orNull(text('Why the call failed, in plain words.')),
    queue: {
      type: ['object', 'null'],
      description: 'The routing queue asked (null when the experts were named).',
      required: ['id', 'position', 'estimatedWaitSeconds'],
      properties: {
        id: text('The queue id.'),
        position: {
          type: ['integer', 'null'],
          minimum: 1,
          description: '1 = offered next; null once the call left the queue.',
        },
        estimatedWaitSeconds: {
          type: ['integer', 'null'],
          minimum: 0,
          description:
            "Position x the queue's recent median time to accept / available experts; null without history.",
        },
      },
    },
    priority: { type: 'string', enum: [...PRIORITIES], description: 'urgent is offered first.' },
    queuedAt: orNull(instant('When the call entered its queue')),
    acceptedBy: {
      oneOf: [ref('PersonRef'), { type: 'null' }],
      description: 'The expert whose accept created the xAssist call; null until then.',
    },
    seq: {
      type: 'integer',
      minimum: 0,
      description: "The highest event seq so far: seed a client's lastSeq with it.",
    },
    createdAt: instant('When the broker was asked'),
    ringingAt: orNull(instant('When xAssist created the call')),
    expertJoinedAt: orNull(instant('When an expert joined')),
    connectedAt: orNull(instant('When the technician joined too')),
    endedAt: orNull(instant('When the call reached an end status')),
    updatedAt: instant('The last change'),
  },
};

const CallEvent: JsonSchema = {
  type: 'object',
  description: "One entry of a call's log, numbered by seq from 1 without gaps.",
  required: ['callId', 'seq', 'type', 'at', 'status', 'xassist'],
  properties: {
    callId: text("The broker's call id."),
    seq: { type: 'integer', minimum: 1 },
    type: text(
      '`status.<status>`, `xassist.<xAssist event type>`, `routing.<escalated|accept_failed>` or `fallback.offered` (xAssist was unreachable; the technician and experts were given a web meeting instead).',
      {
        example: 'status.expert_joined',
      },
    ),
    at: instant('When it happened'),
    status: { type: 'string', enum: [...CALL_STATUSES], description: 'The status after it.' },
    xassist: {
      type: ['object', 'null'],
      description: 'The raw xAssist call event, or null for a status event.',
    },
  },
};

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

const CallCreationError: JsonSchema = {
  type: 'object',
  description:
    'A 502 or 503 from POST /v1/calls: when xAssist refused or could not be reached, `call` is the call, kept as failed.',
  allOf: [ref('Error'), { type: 'object', properties: { call: ref('Call') } }],
};

const CallPage: JsonSchema = {
  type: 'object',
  required: ['calls', 'nextCursor'],
  properties: {
    calls: { type: 'array', items: ref('Call') },
    nextCursor: orNull(text('Pass as cursor for the next page; null on the last page.')),
  },
};

const CallEventPage: JsonSchema = {
  type: 'object',
  required: ['callId', 'events'],
  properties: {
    callId: text("The broker's call id."),
    events: { type: 'array', items: ref('CallEvent') },
  },
};

const Session: JsonSchema = {
  type: 'object',
  required: ['person', 'demoMode', 'demoCall'],
  properties: {
    person: {
      type: 'object',
      required: ['id', 'displayName', 'roles'],
      properties: {
        id: text('The directory id.'),
        displayName: text('For people to read.'),
        roles: { type: 'array', items: { type: 'string', enum: [...ROLES] } },
      },
    },
    demoMode: { type: 'boolean' },
    demoCall: {
      type: ['object', 'null'],
      description: 'In demo mode, whom the demo button asks a call for.',
      required: ['technicianId', 'expertIds'],
      properties: {
        technicianId: { type: 'string' },
        expertIds: { type: 'array', items: { type: 'string' } },
      },
    },
  },
};

const HealthCheck: JsonSchema = {
  type: 'object',
  description: '`ok` when every check is up; `error` (503) otherwise.',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
    info: { type: 'object', description: 'The checks that are up, by name.' },
    error: { type: 'object', description: 'The checks that are down, by name.' },
    details: { type: 'object', description: 'Every check, by name.' },
  },
};

/** The socket events: what the server emits and how it acknowledges call.subscribe. */
const CallsSnapshot: JsonSchema = {
  type: 'object',
  description:
    'On every connect: the newest active calls the person may see (at most SOCKET_SNAPSHOT_MAX_CALLS).',
  required: ['calls', 'nextCursor'],
  properties: {
    calls: { type: 'array', items: ref('Call') },
    nextCursor: orNull(
      text(
        'More active calls: GET /v1/calls?status=active&cursor=<nextCursor>; null when that was all.',
      ),
    ),
  },
};

const SessionExpired: JsonSchema = {
  type: 'object',
  description: 'Sent just before the broker disconnects a socket whose token reached its exp.',
  required: ['message'],
  properties: { message: text('For people: get a new token and connect again.') },
};

const CallUpdated: JsonSchema = {
  type: 'object',
  description: "A committed batch of a visible call's events, in seq order.",
  required: ['call', 'events'],
  properties: {
    call: ref('Call'),
    events: {
      type: 'array',
      items: ref('CallEvent'),
      description: "Empty when only a queued call's position or wait estimate changed.",
    },
  },
};

const CallInvite: JsonSchema = {
  type: 'object',
  description:
    "To the call's technician once an expert joined, and again on every connect while the call is expert_joined: de-duplicate by call.id.",
  required: ['call', 'expert', 'xassistCallId', 'joinUrl'],
  properties: {
    call: ref('Call'),
    expert: ref('PersonRef'),
    xassistCallId: text('The xAssist call to join (the same as call.xassistCallId).'),
    joinUrl: orNull(
      text('XASSIST_JOIN_URL_TEMPLATE with the call id in it; null when none is configured.', {
        format: 'uri',
      }),
    ),
  },
};

const CallFallback: JsonSchema = {
  type: 'object',
  description:
    "To the call's technician only, when xAssist could not be reached and a web meeting was made instead, and again on every connect while the meeting has not expired (de-duplicate by call.id); the call is failed and its events end with fallback.offered. The experts get the same meeting by chat.",
  required: ['call', 'meeting'],
  properties: {
    call: ref('Call'),
    meeting: {
      type: 'object',
      required: ['provider', 'url', 'password', 'expiresAt'],
      properties: {
        provider: { type: 'string', enum: ['chatMessenger'] },
        url: text('The web meeting to open.', { format: 'uri' }),
        password: text("The meeting's password."),
        expiresAt: text('When the meeting URL stops working.', { format: 'date-time' }),
      },
    },
  },
};

const CallSubscribe: JsonSchema = {
  type: 'object',
  description: 'Client to server: the call and its events after afterSeq.',
  required: ['callId', 'afterSeq'],
  additionalProperties: false,
  properties: {
    callId: text("The broker's call id."),
    afterSeq: { type: 'integer', minimum: 0 },
  },
};

const CallSubscribeAck: JsonSchema = {
  description: 'The answer to call.subscribe: the call and its events, or an error.',
  oneOf: [
    {
      type: 'object',
      required: ['call', 'events'],
      properties: {
        call: ref('Call'),
        events: { type: 'array', items: ref('CallEvent') },
      },
    },
    {
      type: 'object',
      required: ['error'],
      properties: { error: ref('SocketError') },
    },
  ],
};

export const CONTRACT_SCHEMAS = {
  PersonRef,
  Call,
  CallEvent,
  Error: ErrorBody,
  SocketError,
  CallCreationError,
  CallPage,
  CallEventPage,
  Session,
  HealthCheck,
  CallsSnapshot,
  SessionExpired,
  CallUpdated,
  CallInvite,
  CallFallback,
  CallSubscribe,
  CallSubscribeAck,
  ...ROUTING_SCHEMAS,
  ...WEBHOOK_SCHEMAS,
} satisfies Record<string, JsonSchema>;

export type ContractSchemaName = keyof typeof CONTRACT_SCHEMAS;
