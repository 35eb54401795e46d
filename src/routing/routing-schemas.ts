/** The routing routes' answers: presence, the experts and the queues (see docs/routing.md). */
import { ROUTING_STRATEGIES } from '../directory/queue.js';
import { OFFER_STATUSES, PRESENCE_STATUSES } from './routing.model.js';
import { instant, orNull, ref, text, type JsonSchema } from '../openapi/json-schema.js';

const presence: JsonSchema = {
  type: 'string',
  enum: [...PRESENCE_STATUSES],
  description: 'available or away as the expert set it; offline without a connected socket.',
};

const OwnPresence: JsonSchema = {
  type: 'object',
  required: ['id', 'presence', 'presenceSince', 'idleSince'],
  properties: {
    id: text("The expert's directory id."),
    presence,
    presenceSince: instant('When presence last changed'),
    idleSince: orNull(instant('Since the last call ended or since becoming available')),
  },
};

const Expert: JsonSchema = {
  type: 'object',
  required: [
    'id',
    'displayName',
    'skills',
    'presence',
    'busy',
    'wrapUpUntil',
    'presenceSince',
    'idleSince',
    'currentCall',
  ],
  properties: {
    id: text('The directory id.'),
    displayName: text('For people to read.'),
    skills: { type: 'array', items: { type: 'string' } },
    presence: {
      type: 'string',
      enum: [...PRESENCE_STATUSES, 'wrap_up'],
      description:
        "available or away as the expert set it; offline without a connected socket; wrap_up in after-call work (the queue's wrapUpSeconds after a call ended, until the wrap-up is submitted).",
    },
    busy: {
      type: 'boolean',
      description: 'Holding an accepted offer, in an active call, or in after-call work (wrap_up).',
    },
    wrapUpUntil: orNull(instant('When after-call work ends at the latest; null when none')),
    presenceSince: orNull(instant('When presence last changed; null for an expert never seen')),
    idleSince: orNull(instant('Since the last call ended or since becoming available')),
    currentCall: {
      type: ['object', 'null'],
      required: ['id'],
      properties: { id: text("The broker's call id.") },
    },
  },
};

const Queue: JsonSchema = {
  type: 'object',
  required: [
    'id',
    'name',
    'skills',
    'strategy',
    'waiting',
    'longestWaitSeconds',
    'callbacks',
    'availableExperts',
    'open',
    'nextOpensAt',
    'onCall',
    'mayCallBack',
  ],
  properties: {
    id: text('The queue id from the directory file.'),
    name: text('For people to read.'),
    skills: { type: 'array', items: { type: 'string' } },
    strategy: { type: 'string', enum: [...ROUTING_STRATEGIES] },
    waiting: { type: 'integer', minimum: 0 },
    longestWaitSeconds: { type: ['integer', 'null'], minimum: 0 },
    callbacks: {
      type: 'integer',
      minimum: 0,
      description: 'Requests nobody took in time, waiting as callback_pending for an expert.',
    },
    availableExperts: { type: 'integer', minimum: 0 },
    open: {
      type: 'boolean',
      description:
        'Inside its business hours (docs/routing.md); always true for a queue without hours.',
    },
    nextOpensAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description:
        "While closed: when the queue opens next, ISO 8601 with the queue's own offset; null while open.",
    },
    onCall: {
      oneOf: [ref('PersonRef'), { type: 'null' }],
      description:
        'While an on_call queue is closed: the expert a request now is offered and paged to; null otherwise.',
    },
    mayCallBack: {
      type: 'boolean',
      description:
        "Whether the caller may take this queue's callbacks: an expert with its skills, one the queue names, or a supervisor who is an expert.",
    },
  },
};

const Offer: JsonSchema = {
  type: 'object',
  description: 'A reservation of one expert for one queued call.',
  required: ['id', 'callId', 'expertId', 'status', 'offeredAt', 'expiresAt', 'endedAt'],
  properties: {
    id: text('The offer id.'),
    callId: text("The broker's call id."),
    expertId: text('The expert offered the call.'),
    status: { type: 'string', enum: [...OFFER_STATUSES] },
    offeredAt: instant('When it was offered'),
    expiresAt: instant('Unanswered by then, it times out'),
    endedAt: orNull(instant('When it stopped being pending')),
  },
};

const OfferAnswer: JsonSchema = {
  type: 'object',
  description: 'An offer with its call (offer.created, accept and decline answers).',
  required: ['offer', 'call'],
  properties: { offer: ref('Offer'), call: ref('Call') },
};

const OfferAnswerAck: JsonSchema = {
  description: 'The answer to offer.accept and offer.decline: the offer and its call, or an error.',
  oneOf: [
    ref('OfferAnswer'),
    { type: 'object', required: ['error'], properties: { error: ref('SocketError') } },
  ],
};

const PresenceSetAck: JsonSchema = {
  description: 'The answer to presence.set.',
  oneOf: [
    { type: 'object', required: ['presence'], properties: { presence: ref('OwnPresence') } },
    { type: 'object', required: ['error'], properties: { error: ref('SocketError') } },
  ],
};

export const ROUTING_SCHEMAS = {
  Offer,
  OfferAnswer,
  OfferList: {
    type: 'object',
    required: ['offers'],
    properties: { offers: { type: 'array', items: ref('OfferAnswer') } },
  },
  OfferAnswerAck,
  PresenceSetAck,
  OfferEnded: {
    type: 'object',
    description: "To the offer's expert: accepted, declined, timed out or rescinded.",
    required: ['offer'],
    properties: { offer: ref('Offer') },
  },
  PresenceUpdated: {
    type: 'object',
    description: "To supervisors and to the expert: an expert's presence changed.",
    required: ['expert'],
    properties: { expert: ref('Expert') },
  },
  QueueEscalated: {
    type: 'object',
    description:
      'To supervisors: an escalation step with notifySupervisors ran for a waiting call.',
    required: ['call', 'step'],
    properties: {
      call: ref('Call'),
      step: {
        type: 'object',
        required: ['index', 'afterSeconds', 'addExperts', 'notifySupervisors'],
        properties: {
          index: { type: 'integer', minimum: 0 },
          afterSeconds: { type: 'integer', minimum: 0 },
          addExperts: { type: 'array', items: { type: 'string' } },
          notifySupervisors: { type: 'boolean' },
        },
      },
    },
  },
  OfferAnswerPayload: {
    type: 'object',
    description: 'Client to server (offer.accept, offer.decline).',
    required: ['offerId'],
    additionalProperties: false,
    properties: { offerId: text('The offer id from offer.created.') },
  },
  PresenceSetPayload: {
    type: 'object',
    description: 'Client to server (presence.set).',
    required: ['status'],
    additionalProperties: false,
    properties: { status: { type: 'string', enum: ['available', 'away'] } },
  },
  OwnPresence,
  Expert,
  ExpertList: {
    type: 'object',
    required: ['experts'],
    properties: { experts: { type: 'array', items: ref('Expert') } },
  },
  Queue,
  QueueList: {
    type: 'object',
    required: ['queues'],
    properties: { queues: { type: 'array', items: ref('Queue') } },
  },
} satisfies Record<string, JsonSchema>;
