/** The after-call answers: the wrap-up, the rating and the call summary (docs/api.md, "Wrap-up"). */
import { instant, orNull, ref, text, type JsonSchema } from '../openapi/json-schema.js';
import { CALL_STATUSES } from './call-lifecycle.js';
import { WRAP_UP_LIMITS, WRAP_UP_OUTCOMES } from './wrap-up.js';

const WrapUp: JsonSchema = {
  type: 'object',
  description:
    "What the call's expert (or a supervisor) recorded after the call; its latest version.",
  required: [
    'outcome',
    'firstTimeFix',
    'notes',
    'links',
    'by',
    'submittedAt',
    'updatedAt',
    'revision',
  ],
  properties: {
    outcome: { type: 'string', enum: [...WRAP_UP_OUTCOMES] },
    firstTimeFix: { type: 'boolean' },
    notes: text('Plain text; empty when none was given.', {
      maxLength: WRAP_UP_LIMITS.notesMaxLength,
    }),
    links: {
      type: 'array',
      maxItems: WRAP_UP_LIMITS.linksMaxCount,
      items: text('An http(s) URL.', { format: 'uri', maxLength: WRAP_UP_LIMITS.linkMaxLength }),
    },
    by: ref('PersonRef'),
    submittedAt: instant('The first submission'),
    updatedAt: instant('The latest edit'),
    revision: { type: 'integer', minimum: 1, description: '1, then one more per edit.' },
  },
};

const Rating: JsonSchema = {
  type: 'object',
  description: "The technician's rating of the call.",
  required: ['rating', 'comment', 'at'],
  properties: {
    rating: { type: 'integer', minimum: 1, maximum: 5 },
    comment: orNull(text('Plain text.', { maxLength: WRAP_UP_LIMITS.commentMaxLength })),
    at: instant('When given or last changed'),
  },
};

const SummaryParticipant: JsonSchema = {
  type: 'object',
  required: ['id', 'displayName', 'role', 'joinedAt'],
  properties: {
    id: text('The directory id.'),
    displayName: text('For people to read.'),
    role: { type: 'string', enum: ['technician', 'expert'] },
    joinedAt: orNull(instant('When they joined the call')),
  },
};

const CallSummary: JsonSchema = {
  type: 'object',
  description:
    'One call for the work order: who joined when, how long the technician waited and talked, and what came of it.',
  required: [
    'callId',
    'title',
    'externalRef',
    'queueId',
    'status',
    'technician',
    'expert',
    'participants',
    'createdAt',
    'endedAt',
    'waitSeconds',
    'talkSeconds',
    'outcome',
    'firstTimeFix',
    'wrapUp',
    'rating',
  ],
  properties: {
    callId: text("The broker's call id."),
    title: text('Shown on xAssist.'),
    externalRef: orNull(text('The ERP or ticket id the caller gave.')),
    queueId: orNull(text('The queue the call was asked of; null when it named its experts.')),
    status: { type: 'string', enum: [...CALL_STATUSES] },
    technician: ref('PersonRef'),
    expert: { oneOf: [ref('PersonRef'), { type: 'null' }] },
    participants: {
      type: 'array',
      items: ref('SummaryParticipant'),
      description: 'Who joined, in the order they joined.',
    },
    createdAt: instant('When the call was asked for'),
    endedAt: orNull(instant('When it ended')),
    waitSeconds: {
      type: ['integer', 'null'],
      minimum: 0,
      description: 'From the request (queued, else created) until the expert joined.',
    },
    talkSeconds: {
      type: ['integer', 'null'],
      minimum: 0,
      description: 'From both being in the call until it ended.',
    },
    outcome: { type: ['string', 'null'], enum: [...WRAP_UP_OUTCOMES, null] },
    firstTimeFix: { type: ['boolean', 'null'] },
    wrapUp: { oneOf: [ref('WrapUp'), { type: 'null' }] },
    rating: { oneOf: [ref('Rating'), { type: 'null' }] },
  },
};

export const CALL_SUMMARY_SCHEMAS = {
  WrapUp,
  Rating,
  SummaryParticipant,
  CallSummary,
} satisfies Record<string, JsonSchema>;
