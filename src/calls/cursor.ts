import { BadRequestError } from '../common/broker-error.js';
import { isCallId } from '../common/text-rules.js';
import type { CallRecord } from './call.model.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Where a page of calls ends: opaque to clients, (createdAt, id) inside. */
export function encodeCursor(call: CallRecord): string {
  return Buffer.from(JSON.stringify([call.createdAt, call.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Decoded text goes into a query: only what encodeCursor can have made (no NUL for PostgreSQL).
    if (typeof createdAt === 'string' && ISO_INSTANT.test(createdAt) && isCallId(id))
      return { createdAt, id };
  } catch {
    // fall through to the error below
  }
  throw new BadRequestError('cursor is not one this server handed out');
}
