/** The webhook and delivery routes' answers (docs/notifications.md, "Webhooks"). */
import { DELIVERY_STATUSES } from '../outbox/outbox.model.js';
import { WEBHOOK_EVENT_TYPES } from './webhook-events.js';
import { instant, orNull, ref, text, type JsonSchema } from '../openapi/json-schema.js';

const webhookProperties: Record<string, JsonSchema> = {
  id: text("The broker's webhook id."),
  url: text('Where the deliveries are POSTed.', { format: 'uri' }),
  eventTypes: {
    type: 'array',
    items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] },
    minItems: 1,
  },
  description: orNull(text('What it is for, as its owner wrote it.')),
  status: {
    type: 'string',
    enum: ['active', 'disabled'],
    description: 'disabled once the receiver answered 410 Gone; nothing more is sent.',
  },
  disabledReason: orNull(text('Why it was disabled; null while active.')),
  createdAt: instant('When it was created'),
};
const webhookRequired = Object.keys(webhookProperties);

const Webhook: JsonSchema = {
  type: 'object',
  description: "An integration's subscription to call events (the secret is never shown again).",
  required: webhookRequired,
  properties: webhookProperties,
};

const CreatedWebhook: JsonSchema = {
  type: 'object',
  description: 'The new subscription with its signing secret, shown this once.',
  required: [...webhookRequired, 'secret'],
  properties: {
    ...webhookProperties,
    secret: text('Standard Webhooks secret: verify webhook-signature with it. Shown only here.', {
      pattern: '^whsec_[A-Za-z0-9+/=]+$',
    }),
  },
};

const Delivery: JsonSchema = {
  type: 'object',
  description: 'One message to one webhook, and where its delivery stands.',
  required: [
    'id',
    'webhookId',
    'callId',
    'seq',
    'eventType',
    'status',
    'attempts',
    'nextAttemptAt',
    'lastError',
    'createdAt',
    'deliveredAt',
  ],
  properties: {
    id: text('The message id: the webhook-id header, the same on every attempt.'),
    webhookId: text('The webhook it goes to.'),
    callId: text("The broker's call id."),
    seq: { type: 'integer', minimum: 0, description: "The call event's seq (0: call.created)." },
    eventType: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] },
    status: {
      type: 'string',
      enum: [...DELIVERY_STATUSES],
      description:
        'pending (waiting or retrying), delivered (a 2xx), failed (dead; retry by hand).',
    },
    attempts: { type: 'integer', minimum: 0 },
    nextAttemptAt: orNull(instant('When it is tried next; null unless pending')),
    lastError: orNull(text('What the last failed attempt met.')),
    createdAt: instant('When the call change that caused it was committed'),
    deliveredAt: orNull(instant('When the receiver accepted it')),
  },
};

export const WEBHOOK_SCHEMAS = {
  Webhook,
  CreatedWebhook,
  WebhookList: {
    type: 'object',
    required: ['webhooks', 'nextCursor'],
    properties: {
      webhooks: { type: 'array', items: ref('Webhook') },
      nextCursor: orNull(text('Pass as cursor for the next page; null on the last page.')),
    },
  },
  Delivery,
  DeliveryList: {
    type: 'object',
    required: ['deliveries'],
    properties: { deliveries: { type: 'array', items: ref('Delivery') } },
  },
} satisfies Record<string, JsonSchema>;
