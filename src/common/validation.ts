import { plainToInstance } from 'class-transformer';
import { ValidateBy, validateSync, type ValidationError } from 'class-validator';
import { BadRequestError } from './broker-error.js';

/** class-validator's errors as one readable line per problem, with nested paths. */
export function describeValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property)
        ? `${path}${message.slice(error.property.length)}`
        : message,
    );
    return [...own, ...describeValidationErrors(error.children ?? [], path)];
  });
}

/** The same rules as the global ValidationPipe, for payloads that do not come through REST. */
export function validatePayload<T extends object>(type: new () => T, payload: unknown): T {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new BadRequestError('the payload must be an object');
  }
  const instance = plainToInstance(type, payload);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  if (errors.length > 0) throw new BadRequestError(describeValidationErrors(errors).join('; '));
  return instance;
}

/** A query parameter that must be a whole number from `min` to `max` (query values arrive as text). */
export function IsWholeNumberText(min: number, max: number): PropertyDecorator {
  return ValidateBy({
    name: 'isWholeNumberText',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        /^\d{1,15}$/.test(value) &&
        Number(value) >= min &&
        Number(value) <= max,
      defaultMessage: (args) => `${args?.property} must be a whole number from ${min} to ${max}`,
    },
  });
}

/** A date (`2026-12-01`, midnight UTC) or a date-time with its zone (`Z` or `+01:00`). */
const INSTANT_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * A query parameter that must be an instant. The zone is required: without it JavaScript reads
 * the time in the server's own zone, so the same request would mean different calls elsewhere.
 * A day that does not exist (2026-02-30) is refused, not rolled over into March.
 */
export function IsInstantText(): PropertyDecorator {
  return ValidateBy({
    name: 'isInstantText',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        const match = INSTANT_TEXT.exec(value);
        if (!match || Number.isNaN(Date.parse(value))) return false;
        const [, year, month, day] = match.map(Number);
        const date = new Date(Date.UTC(year, month - 1, day));
        return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
      },
      defaultMessage: (args) =>
        `${args?.property} must be an ISO-8601 date or date-time with a time zone (2026-12-01 or 2026-12-01T10:00:00Z)`,
    },
  });
}
