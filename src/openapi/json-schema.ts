/** Small builders for the contract's JSON Schemas (2020-12, as OpenAPI 3.1 and AsyncAPI 3 use it). */
export type JsonSchema = Record<string, unknown>;

/** A named schema, in either document. */
export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

export const text = (description: string, extra: JsonSchema = {}): JsonSchema => ({
  type: 'string',
  description,
  ...extra,
});

/** The same schema, or null. */
export const orNull = (schema: JsonSchema): JsonSchema => ({
  ...schema,
  type: [schema.type as string, 'null'],
});

export const instant = (description: string): JsonSchema =>
  text(`${description} (ISO-8601, UTC)`, { format: 'date-time' });
