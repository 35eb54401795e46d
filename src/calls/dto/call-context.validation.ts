import { ValidateBy } from 'class-validator';

/** The bounds of a call's context; docs/api.md and the OpenAPI document state the same numbers. */
export const CALL_CONTEXT_LIMITS = {
  descriptionMaxLength: 2000,
  externalRefMaxLength: 200,
  /** Visible ASCII, no spaces: safe in a query string, a log line and an ERP's own field. */
  externalRefPattern: '^[\\x21-\\x7e]{1,200}$',
  metadataMaxKeys: 32,
  metadataKeyPattern: '^[A-Za-z0-9_.:-]{1,64}$',
  metadataValueMaxLength: 500,
  /** The whole object as JSON, in UTF-8 bytes. */
  metadataMaxBytes: 4096,
} as const;

const EXTERNAL_REF = new RegExp(CALL_CONTEXT_LIMITS.externalRefPattern);
const METADATA_KEY = new RegExp(CALL_CONTEXT_LIMITS.metadataKeyPattern);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Free text: line breaks and tabs are fine, other control characters are not. */
export function IsMultilineText(): PropertyDecorator {
  return ValidateBy({
    name: 'isMultilineText',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && !CONTROL_EXCEPT_LINE_BREAKS.test(value),
      defaultMessage: (args) =>
        `${args?.property} must be text without control characters (line breaks and tabs are allowed)`,
    },
  });
}

export function IsExternalRef(): PropertyDecorator {
  return ValidateBy({
    name: 'isExternalRef',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && EXTERNAL_REF.test(value),
      defaultMessage: (args) =>
        `${args?.property} must be 1 to ${CALL_CONTEXT_LIMITS.externalRefMaxLength} visible ASCII characters without spaces`,
    },
  });
}

/** What is wrong with a metadata value, or null when it is a small object of strings. */
export function metadataProblem(value: unknown): string | null {
  const limits = CALL_CONTEXT_LIMITS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'metadata must be an object of string values';
  }
  const entries = Object.entries(value);
  if (entries.length > limits.metadataMaxKeys) {
    return `metadata may have at most ${limits.metadataMaxKeys} keys, got ${entries.length}`;
  }
  for (const [key, item] of entries) {
    if (!METADATA_KEY.test(key)) {
      return `metadata key "${key.slice(0, 64)}" must be 1 to 64 letters, digits or _ . : -`;
    }
    if (typeof item !== 'string') return `metadata.${key} must be a string`;
    if (item.length > limits.metadataValueMaxLength) {
      return `metadata.${key} must be at most ${limits.metadataValueMaxLength} characters`;
    }
    if (CONTROL.test(item)) return `metadata.${key} must not contain control characters`;
  }
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > limits.metadataMaxBytes) {
    return `metadata must be at most ${limits.metadataMaxBytes} bytes as JSON, got ${bytes}`;
  }
  return null;
}

export function IsCallMetadata(): PropertyDecorator {
  return ValidateBy({
    name: 'isCallMetadata',
    validator: {
      validate: (value: unknown) => metadataProblem(value) === null,
      defaultMessage: (args) => metadataProblem(args?.value) ?? 'metadata is invalid',
    },
  });
}
