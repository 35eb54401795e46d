/** The routing routes' answers: presence, the experts and the queues (see docs/routing.md). */
import { ROUTING_STRATEGIES } from '../directory/queue.js';
import { PRESENCE_STATUSES } from '../routing/routing.model.js';
import { instant, orNull, ref, text, type JsonSchema } from './json-schema.js';

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
    'presenceSince',
    'idleSince',
    'currentCall',
  ],
  properties: {
    id: text('The directory id.'),
    displayName: text('For people to read.'),
    skills: { type: 'array', items: { type: 'string' } },
    presence,
    busy: { type: 'boolean', description: 'Holding an accepted offer or in an active call.' },
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
    'availableExperts',
  ],
  properties: {
    id: text('The queue id from the directory file.'),
    name: text('For people to read.'),
    skills: { type: 'array', items: { type: 'string' } },
    strategy: { type: 'string', enum: [...ROUTING_STRATEGIES] },
    waiting: { type: 'integer', minimum: 0 },
    longestWaitSeconds: { type: ['integer', 'null'], minimum: 0 },
    availableExperts: { type: 'integer', minimum: 0 },
  },
};

export const ROUTING_SCHEMAS = {
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
