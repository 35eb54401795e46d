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
