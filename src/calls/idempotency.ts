import { createHash } from 'node:crypto';
import { UnprocessableError } from '../common/broker-error.js';
import type { IdempotencyClaim } from './call.repository.js';
import type { CreateCallDto } from './dto/create-call.dto.js';

/** How long an Idempotency-Key stays bound to its call. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

/** The claim a request with an Idempotency-Key makes, or null without one. */
export function idempotencyClaim(
  callerId: string,
  key: string | undefined,
  dto: CreateCallDto,
  nowMs: number,
): IdempotencyClaim | null {
  if (!key) return null;
  return {
    callerId,
    key,
    bodyHash: hashBody(dto),
    notBefore: new Date(nowMs - IDEMPOTENCY_WINDOW_MS).toISOString(),
  };
}

/** A key replayed with another body is a client mistake, never a replay. */
export function assertSameBody(claim: IdempotencyClaim | null, earlierBodyHash: string): void {
  if (earlierBodyHash !== claim?.bodyHash) {
    throw new UnprocessableError('this Idempotency-Key was already used with a different body');
  }
}

/** Key order does not make two bodies different, at any depth (metadata is an object too). */
function hashBody(dto: CreateCallDto): string {
  return createHash('sha256').update(canonicalJson(dto)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const fields = Object.entries(value)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`);
  return `{${fields.join(',')}}`;
}
