import { ValidateBy } from 'class-validator';
import { textProblem } from '../../common/text-rules.js';

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
/** The plain-text rules of a title, except that line breaks and tabs are fine. */
function multilineTextProblem(value: string): string | undefined {
  return textProblem(value.replace(/\r\n|[\n\r\t]/g, ' '));
}

/** Free text such as a description: several lines, but no other controls or bidi overrides. */
export function IsMultilineText(): PropertyDecorator {
  return ValidateBy({
    name: 'isMultilineText',
    validator: {
      validate: (value: unknown) =>
        typeof value !== 'string' || multilineTextProblem(value) === undefined,
      defaultMessage: (args) =>
        `${args?.property} ${typeof args?.value === 'string' ? multilineTextProblem(args.value) : 'must be text'}`,
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
    // An empty value is allowed (ERPs send empty fields); otherwise a title's text rules.
    const problem = item === '' ? undefined : textProblem(item);
    if (problem) return `metadata.${key} ${problem}`;
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
