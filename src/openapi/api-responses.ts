import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ref } from './json-schema.js';

/** What each error status means on this API; every one has the Error body. */
const ERROR_MEANING: Record<number, string> = {
  400: 'Bad input: malformed JSON, a wrong type, an unknown field, a bad query value',
  401: 'No token, a bad signature, an expired token, or a subject not in the directory',
  403: "The caller's role may not do this (a technician asking a call for somebody else, a non-expert setting presence)",
  404: 'No such call, or one the caller may not see',
  409: 'The call is past the point where this is possible; on POST /v1/webhooks: the integration holds its most webhooks (webhook_limit_reached)',
  413: 'The body is larger than 64 KiB',
  415: 'The body is not UTF-8 JSON',
  422: 'Well-formed but unacceptable: an unknown person, a wrong role, an Idempotency-Key reused with another body',
  429: 'A quota is used up; retryAfterSeconds and Retry-After say when to try again',
  503: 'Not ready: the database or xAssist does not answer',
};

/**
 * A JSON answer whose body is one of the contract schemas (api-docs/contract-schemas.ts), by name;
 * test/contract-documents.e2e-spec.ts fails for a name the document does not define.
 */
export function ApiJson(
  status: number,
  schema: string,
  description: string,
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>,
): MethodDecorator & ClassDecorator {
  return ApiResponse({ status, description, schema: ref(schema), headers });
}

/**
 * What a route that takes a token answers when the identity provider's keys cannot be fetched
 * (src/auth/token-verifier.ts): any route with a 401 may answer it, so `ApiErrors(401)` adds it.
 */
export const IDENTITY_PROVIDER_UNREACHABLE =
  'The identity provider could not be reached (code unavailable): its keys cannot be fetched to check the token; try again later';

/**
 * Error answers with the Error body, each described once here. A 401 brings a 503 with it
 * (IDENTITY_PROVIDER_UNREACHABLE) unless the route documents its own 503.
 */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  const described = statuses.map(
    (status) => [status, ERROR_MEANING[status] ?? 'An error'] as const,
  );
  if (statuses.includes(401) && !statuses.includes(503))
    described.push([503, IDENTITY_PROVIDER_UNREACHABLE]);
  return applyDecorators(
    ...described.map(([status, description]) =>
      ApiResponse({ status, description, schema: ref('Error') }),
    ),
  );
}
