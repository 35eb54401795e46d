import { createHash } from 'node:crypto';
import { COLUMN_LIMITS } from '../database/schema.js';

/** An xAssist event as stored: its event type (`xassist.<Type>`) and the payload clients see. */
export interface BoundedXAssistEvent {
  type: string;
  payload: Record<string, unknown>;
}

export const XASSIST_EVENT_PREFIX = 'xassist.';
/** A stored event's JSON beyond this is cut: one event must not swell every read of the log. */
export const MAX_EVENT_JSON_CHARS = 16_384;

// C0 controls and DEL: PostgreSQL text cannot hold NUL, and none of them belong in a type or id.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

function asText(value: unknown): string {
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** Cuts to `max` characters (code points, as PostgreSQL counts them), ending with '…' when cut. */
function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * The key an xAssist event id is remembered under (xassist_events_seen.event_id): the id as text,
 * or a hash of it when it is too long or holds control characters, so distinct ids stay distinct.
 */
export function seenKeyOf(id: unknown): string {
  const text = asText(id);
  CONTROL_CHARACTERS.lastIndex = 0;
  if (Array.from(text).length <= COLUMN_LIMITS.xassistEventId && !CONTROL_CHARACTERS.test(text))
    return text;
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 56)}`;
}

/**
 * Makes an upstream event fit the columns: the type without control characters and cut to what
 * `call_events.type` holds, the payload cut when huge. The raw event is kept (cut, if it must be)
 * and `brokerNote` says what was changed, so nothing is silently altered.
 */
export function boundXAssistEvent(event: Record<string, unknown>): BoundedXAssistEvent {
  const notes: string[] = [];
  const rawType = asText(event.type);
  let type = rawType.replace(CONTROL_CHARACTERS, '\uFFFD');
  if (type !== rawType) notes.push('control characters in the type replaced by U+FFFD');
  const room = COLUMN_LIMITS.callEventType - XASSIST_EVENT_PREFIX.length;
  const shortType = cut(type, room);
  if (shortType !== type) notes.push(`type cut to ${room} characters`);
  type = shortType;

  let payload = notes.length > 0 ? { ...event, brokerNote: notes.join('; ') } : event;
  const json = JSON.stringify(payload);
  if (json.length > MAX_EVENT_JSON_CHARS) {
    notes.push(`event cut to ${MAX_EVENT_JSON_CHARS} characters of JSON, kept in raw`);
    payload = {
      id:
        typeof event.id === 'number'
          ? event.id
          : cut(asText(event.id), COLUMN_LIMITS.xassistEventId),
      type,
      time: event.time,
      brokerNote: notes.join('; '),
      raw: json.slice(0, MAX_EVENT_JSON_CHARS),
    };
  }
  return { type: `${XASSIST_EVENT_PREFIX}${type}`, payload };
}
