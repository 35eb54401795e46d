/** The answer of /healthz and /readyz (api-docs/contract-schemas.ts). */
import type { JsonSchema } from '../openapi/json-schema.js';

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

export const HEALTH_SCHEMAS = { HealthCheck } satisfies Record<string, JsonSchema>;
