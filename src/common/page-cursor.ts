import { BadRequestError } from './broker-error.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Where a page ends: opaque to clients, the last row's (createdAt, id) inside. */
export interface PagePosition {
  createdAt: string;
  id: string;
}

export function encodePageCursor({ createdAt, id }: PagePosition): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** `isId` says which ids the listing hands out: decoded text goes into a query. */
export function decodePageCursor(cursor: string, isId: (id: unknown) => boolean): PagePosition {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Only what encodePageCursor can have made (no NUL for PostgreSQL).
    if (typeof createdAt === 'string' && ISO_INSTANT.test(createdAt) && isId(id))
      return { createdAt, id };
  } catch {
    // fall through to the error below
  }
  throw new BadRequestError('cursor is not one this server handed out');
}
