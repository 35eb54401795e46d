/**
 * The public shapes as JSON Schemas: the one source for the OpenAPI document (/docs-json), the
 * AsyncAPI document of the socket events (docs/asyncapi.json) and the tests that check real
 * answers against both. Written for JSON Schema 2020-12 as OpenAPI 3.1 uses it: a nullable field
 * is `type: [..., 'null']`. Objects stay open (clients must ignore fields they do not know, so
 * the broker may add some); the contract test closes them to catch undocumented fields.
 */
import { APPOINTMENT_SCHEMAS } from '../appointments/appointment-schemas.js';
import { CALL_SCHEMAS } from '../calls/call-schemas.js';
import { CALL_SUMMARY_SCHEMAS } from '../calls/call-summary-schemas.js';
import { HEALTH_SCHEMAS } from '../health/health-schemas.js';
import { ERROR_SCHEMAS } from '../openapi/error-schemas.js';
import type { JsonSchema } from '../openapi/json-schema.js';
import { REALTIME_SCHEMAS } from '../realtime/realtime-schemas.js';
import { REPORT_SCHEMAS } from '../reports/report-schemas.js';
import { ROUTING_SCHEMAS } from '../routing/routing-schemas.js';
import { WEBHOOK_SCHEMAS } from '../webhooks/webhook-schemas.js';

export type { JsonSchema } from '../openapi/json-schema.js';

const { PersonRef, Call, CallEvent, ...callAnswers } = CALL_SCHEMAS;
const { Session, ...socketSchemas } = REALTIME_SCHEMAS;

/** Each feature's schemas, in the order the documents list them. */
export const CONTRACT_SCHEMAS = {
  PersonRef,
  Call,
  CallEvent,
  ...ERROR_SCHEMAS,
  ...callAnswers,
  ...CALL_SUMMARY_SCHEMAS,
  Session,
  ...HEALTH_SCHEMAS,
  ...socketSchemas,
  ...ROUTING_SCHEMAS,
  ...WEBHOOK_SCHEMAS,
  ...REPORT_SCHEMAS,
  ...APPOINTMENT_SCHEMAS,
} satisfies Record<string, JsonSchema>;

export type ContractSchemaName = keyof typeof CONTRACT_SCHEMAS;
