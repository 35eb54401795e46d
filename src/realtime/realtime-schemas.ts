/**
 * The socket events' payloads and acknowledgements, and the dashboard's session
 * (api-docs/contract-schemas.ts; api-docs/asyncapi-document.ts lists the events).
 */
import { ROLES } from '../directory/person.js';
import { orNull, ref, text, type JsonSchema } from '../openapi/json-schema.js';

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

const CallNobodyCanTake: JsonSchema = {
  type: 'object',
  description:
    "To the call's technician (and supervisors and integrations) at once when no available expert can take a queued call: on entering its queue, or when the last expert who could went away or declined. call.queue.nobodyCanTake is true, its estimatedWaitSeconds null and its statusLine says what happens next (it stays queued until an expert who can take it is available, or until maxWaitSeconds ends it unanswered).",
  required: ['call'],
  properties: { call: ref('Call') },
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

export const REALTIME_SCHEMAS = {
  Session,
  CallsSnapshot,
  SessionExpired,
  CallUpdated,
  CallInvite,
  CallFallback,
  CallNobodyCanTake,
  CallSubscribe,
  CallSubscribeAck,
} satisfies Record<string, JsonSchema>;
