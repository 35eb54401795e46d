/** The calls routes' answers: a call, its events and their pages (api-docs/contract-schemas.ts). */
import { instant, orNull, ref, text, type JsonSchema } from '../openapi/json-schema.js';
import { CALL_REASONS, CALL_TYPES } from '../xassist-contract/xassist-contract.js';
import { CALL_STATUSES } from './call-lifecycle.js';
import { PRIORITIES } from './call.model.js';
import { CALL_CONTEXT_LIMITS } from './dto/call-context.validation.js';

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
    'nextOpensAt',
    'acceptedBy',
    'seq',
    'plannedFor',
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
        '(queued ->) creating (-> planned) -> ringing -> expert_joined -> connected -> ended; or failed, unanswered, missed, cancelled; or closed at once (a queue outside its business hours). callback_pending: a request nobody took (or a closed queue could not), kept for an expert to call back (then creating, or unanswered, cancelled). planned: a booked session waiting for its start.',
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
      required: ['id', 'position', 'estimatedWaitSeconds', 'nobodyCanTake', 'statusLine'],
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
            "Position x the queue's recent median time to accept / available experts; null without history, and null while nobodyCanTake.",
        },
        nobodyCanTake: {
          type: 'boolean',
          description:
            'true while no available expert can take the call (skills, escalation steps reached, not declined by them); it stays queued until one can, or until maxWaitSeconds. false once it left the queue.',
        },
        statusLine: orNull(
          text(
            'In words, while queued: how many experts can take it, or that nobody can now and what happens next. null once it left the queue.',
          ),
        ),
      },
    },
    priority: { type: 'string', enum: [...PRIORITIES], description: 'urgent is offered first.' },
    queuedAt: orNull(instant('When the call entered its queue')),
    nextOpensAt: orNull(
      text(
        "Status closed (a request to a queue outside its business hours): when the queue opens next, ISO 8601 with the queue's own offset, e.g. 2026-12-08T08:00:00.000+01:00. null otherwise, and when nothing opens within 400 days.",
        { format: 'date-time' },
      ),
    ),
    acceptedBy: {
      oneOf: [ref('PersonRef'), { type: 'null' }],
      description: 'The expert whose accept created the xAssist call; null until then.',
    },
    seq: {
      type: 'integer',
      minimum: 0,
      description: "The highest event seq so far: seed a client's lastSeq with it.",
    },
    plannedFor: orNull(
      instant(
        "A booked session's call (GET /v1/appointments): when it starts; null for a call wanted now",
      ),
    ),
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
      '`status.<status>`, `xassist.<xAssist event type>`, `routing.<escalated|accept_failed|taken_by_demo_expert>`, `fallback.offered` (xAssist was unreachable; the technician and experts were given a web meeting instead), `wrap_up.submitted` / `wrap_up.edited` (the wrap-up, recorded or edited) or `rating.given` / `rating.edited` (the technician rated the call).',
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

const CallJoin: JsonSchema = {
  type: 'object',
  description:
    "How to join the call's xAssist call: xAssist rings the experts' own Frontline clients; joinUrl opens it in a browser.",
  required: ['callId', 'xassistCallId', 'joinUrl'],
  properties: {
    callId: text("The broker's call id."),
    xassistCallId: orNull(text('The xAssist call; null until the call exists on xAssist.')),
    joinUrl: orNull(
      text(
        'XASSIST_JOIN_URL_TEMPLATE with the xAssist call id in it; null when none is configured or there is no xAssist call yet.',
        { format: 'uri' },
      ),
    ),
  },
};

export const CALL_SCHEMAS = {
  PersonRef,
  Call,
  CallEvent,
  CallCreationError,
  CallPage,
  CallEventPage,
  CallJoin,
} satisfies Record<string, JsonSchema>;
