/**
 * The messages the broker POSTs to webhooks, for the OpenAPI document's `webhooks` section: one
 * schema and one operation per WEBHOOK_EVENT_TYPES entry, so a new event type cannot be sent
 * undocumented (the Record below does not compile without it). Bodies as webhook-events.ts builds them.
 */
import type { WebhooksObject } from '@nestjs/swagger';
import { instant, ref, type JsonSchema } from '../openapi/json-schema.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-events.js';

interface MessageMeaning {
  /** The generated clients' handler name. */
  operationId: string;
  summary: string;
  /** call.created has no call event yet: `event` is null. */
  withEvent: boolean;
  /** What `data` carries besides `call` and `event`. */
  more?: Record<string, JsonSchema>;
}

const MEANINGS: Record<WebhookEventType, MessageMeaning> = {
  'call.created': {
    operationId: 'onCallCreated',
    summary: 'The call was accepted (status creating); event is null and call.seq is 0.',
    withEvent: false,
  },
  'call.status_changed': {
    operationId: 'onCallStatusChanged',
    summary: 'Every status.* event of the call.',
    withEvent: true,
  },
  'call.ended': {
    operationId: 'onCallEnded',
    summary: 'A status that ends the call, sent after its call.status_changed.',
    withEvent: true,
  },
  'call.wrapped_up': {
    operationId: 'onCallWrappedUp',
    summary:
      "Each version of the call's wrap-up (event wrap_up.submitted, then wrap_up.edited), with the summary a work order needs.",
    withEvent: true,
    more: {
      wrapUp: { ...ref('WrapUp'), description: 'The wrap-up as this version left it.' },
      summary: {
        ...ref('CallSummary'),
        description: 'Who joined when, wait, talk time, outcome and the externalRef.',
      },
    },
  },
  'offer.accepted': {
    operationId: 'onOfferAccepted',
    summary:
      'An expert took a queued call: the status.creating that follows queued, sent before its call.status_changed.',
    withEvent: true,
  },
};

/** `call.status_changed` -> `CallStatusChangedMessage`: the component's name. */
export function messageSchemaName(type: WebhookEventType): string {
  const words = type.split(/[._]/).map((word) => word[0].toUpperCase() + word.slice(1));
  return `${words.join('')}Message`;
}

function messageSchema(type: WebhookEventType): JsonSchema {
  const { summary, withEvent, more = {} } = MEANINGS[type];
  return {
    type: 'object',
    description: `The ${type} webhook body: ${summary}`,
    required: ['type', 'timestamp', 'data'],
    properties: {
      type: { type: 'string', const: type },
      timestamp: instant("When it happened: the call's creation, or its event's time"),
      data: {
        type: 'object',
        required: ['call', 'event', ...Object.keys(more)],
        properties: {
          ...more,
          call: {
            ...ref('Call'),
            description:
              "The call as the commit that caused the message left it (its seq may be above the event's).",
          },
          event: withEvent
            ? { ...ref('CallEvent'), description: 'The call event; receivers order by its seq.' }
            : { type: 'null', description: 'No call event yet.' },
        },
      },
    },
  };
}

export const WEBHOOK_MESSAGE_SCHEMAS: Record<string, JsonSchema> = Object.fromEntries(
  WEBHOOK_EVENT_TYPES.map((type) => [messageSchemaName(type), messageSchema(type)]),
);

const header = (name: string, description: string) => ({
  name,
  in: 'header' as const,
  required: true,
  description,
  schema: { type: 'string' },
});

const SIGNATURE_HEADERS = [
  header('webhook-id', "The delivery's id, the same on every retry: deduplicate by it."),
  header('webhook-timestamp', 'Unix seconds of this attempt.'),
  header(
    'webhook-signature',
    'v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>"> keyed with the secret after whsec_ (Standard Webhooks).',
  ),
];

/** What the broker does with the receiver's answer (docs/notifications.md, "Webhooks"). */
const RECEIVER_ANSWERS = {
  '2XX': { description: 'Delivered.' },
  '410': { description: 'Gone: the broker disables the webhook and sends it nothing more.' },
  default: {
    description:
      'Any other answer, a timeout or no connection: retried with backoff (never sooner than a Retry-After) up to WEBHOOK_MAX_ATTEMPTS, then failed.',
  },
};

/** The OpenAPI 3.1 `webhooks` section: one POST per event type, signed as Standard Webhooks says. */
export function webhookOperations(): WebhooksObject {
  return Object.fromEntries(
    WEBHOOK_EVENT_TYPES.map((type) => {
      const { operationId, summary } = MEANINGS[type];
      const post = {
        operationId,
        summary,
        description:
          'Subscribe with POST /v1/webhooks. Delivery is at least once, in seq order per call and webhook.',
        parameters: SIGNATURE_HEADERS,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref(messageSchemaName(type)) } },
        },
        responses: RECEIVER_ANSWERS,
      };
      return [type, { post }];
    }),
  );
}
