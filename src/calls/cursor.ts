import { decodePageCursor, encodePageCursor } from '../common/page-cursor.js';
import { isCallId } from '../common/text-rules.js';
import type { CallRecord } from './call.model.js';

/** Where a page of calls ends: opaque to clients, (createdAt, id) inside. */
export function encodeCursor(call: CallRecord): string {
  return encodePageCursor(call);
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  return decodePageCursor(cursor, isCallId);
}
