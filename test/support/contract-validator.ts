import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

type Schema = Record<string, any>;

// ajv-formats is CommonJS: its function is the module itself or its `default`.
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => void;

const SCHEMAS_ID = 'contract-schemas';

/** `#/components/schemas/X` (OpenAPI and AsyncAPI alike) as a reference into the added schemas. */
function rewriteRefs<T>(schema: T): T {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${SCHEMAS_ID}#/$defs/`),
  );
}

/**
 * The published schemas stay open (clients ignore unknown fields); here every object with
 * properties is closed, so a field the code sends but the document does not name fails. An
 * allOf is closed as a whole, since each part alone sees only its own properties.
 */
function closed(node: unknown, insideAllOf = false): unknown {
  if (Array.isArray(node)) return node.map((item) => closed(item, insideAllOf));
  if (typeof node !== 'object' || node === null) return node;
  const schema: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    schema[key] =
      key === 'allOf'
        ? (value as unknown[]).map((part) => closed(part, true))
        : key === 'properties'
          ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, closed(v)]))
          : ['items', 'oneOf', 'anyOf', 'additionalProperties'].includes(key)
            ? closed(value)
            : value;
  }
  const opensItself = 'additionalProperties' in schema || 'unevaluatedProperties' in schema;
  if (!insideAllOf && !opensItself && (schema.properties || schema.allOf)) {
    schema.unevaluatedProperties = false;
  }
  return schema;
}

/**
 * Validates real answers against a document's `components.schemas` (OpenAPI 3.1 and AsyncAPI 3
 * both use JSON Schema 2020-12 here). `Error` stays open: error bodies may carry details.
 */
export function contractValidator(schemas: Record<string, Schema>) {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  ajv.addKeyword('example');
  const defs = Object.fromEntries(
    Object.entries(rewriteRefs(schemas)).map(([name, schema]) => [
      name,
      name === 'Error' ? schema : closed(schema),
    ]),
  );
  ajv.addSchema({ $id: SCHEMAS_ID, $defs: defs });
  const compiled = new Map<string, ValidateFunction>();
  return {
    assertValid(schema: Schema, value: unknown, what: string): void {
      const key = JSON.stringify(schema);
      let validate = compiled.get(key);
      if (!validate) {
        validate = ajv.compile(closed(rewriteRefs(schema)) as Schema);
        compiled.set(key, validate);
      }
      if (!validate(value)) {
        throw new Error(
          `${what} does not match its schema: ${ajv.errorsText(validate.errors)}\n` +
            JSON.stringify(value).slice(0, 2000),
        );
      }
    },
  };
}
