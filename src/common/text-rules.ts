import { ValidateBy } from 'class-validator';

/**
 * What text from clients may contain before it is stored or sent to xAssist. NUL breaks
 * PostgreSQL; other controls and escapes (ESC [ ...) reach terminals and logs; bidirectional
 * overrides and isolates make a title read differently from what it is ("Trojan Source").
 * Such text is refused, not stripped: the client learns which character, and nothing is
 * silently changed behind its back. A lone UTF-16 surrogate (JSON allows "\ud800") has no UTF-8
 * form: each database would store a different replacement character, so it is refused too.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/u;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;
/** With the u flag a pair is one code point, so this matches only surrogates without a partner. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;
/** Whitespace and zero-width characters: a title of only these shows nothing. */
const NOTHING_VISIBLE = /^[\s\u200b-\u200d\u2060\ufeff]*$/u;

const codePoint = (character: string) =>
  `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `value` is not acceptable text, or undefined when it is. */
export function textProblem(value: string): string | undefined {
  const surrogate = LONE_SURROGATE.exec(value);
  if (surrogate) return `must not contain unpaired UTF-16 surrogates (${codePoint(surrogate[0])})`;
  const control = CONTROL_CHARACTER.exec(value);
  if (control) return `must not contain control characters (${codePoint(control[0])})`;
  const bidi = BIDI_CONTROL.exec(value);
  if (bidi) return `must not contain bidirectional controls (${codePoint(bidi[0])})`;
  if (NOTHING_VISIBLE.test(value)) return 'must not be blank';
  return undefined;
}

/** Text a person typed (a title): visible, without controls or bidirectional overrides. */
export function IsPlainText(): PropertyDecorator {
  return ValidateBy({
    name: 'isPlainText',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || textProblem(value) === undefined,
      defaultMessage: (args) =>
        `${args?.property} ${typeof args?.value === 'string' ? textProblem(args.value) : 'must be text'}`,
    },
  });
}

/** A broker call id: what randomUUID() makes, within the column's 64 characters. */
const CALL_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function isCallId(value: unknown): value is string {
  return typeof value === 'string' && CALL_ID.test(value);
}

export function IsCallId(): PropertyDecorator {
  return ValidateBy({
    name: 'isCallId',
    validator: {
      validate: isCallId,
      defaultMessage: (args) =>
        `${args?.property} must be a call id (1 to 64 letters, digits, ".", "_" or "-")`,
    },
  });
}

/** A directory person's id, as the directory file allows them (see directory-file.ts). */
export const PERSON_ID = /^[A-Za-z0-9._@-]{1,128}$/;
export const PERSON_ID_RULE = 'must be 1 to 128 letters, digits or ._@-';
