import { SecretBox, SecretBoxError } from '../common/secret-box.js';
import type { CallsTable } from '../database/schema.js';
import type { FallbackMeeting } from './fallback-meetings.js';

const contextOf = (callId: string) => `calls.fallback_json.password:${callId}`;

/**
 * How a call's fallback meeting is stored: its password sealed (the broker tells it again to
 * glasses that connect while the meeting lasts), and until when it is kept: the retention sweep
 * wipes it then (docs/security.md, "At rest").
 */
export function storedFallback(
  box: SecretBox,
  callId: string,
  meeting: FallbackMeeting | null,
): Pick<CallsTable, 'fallback_json' | 'fallback_password_until'> {
  if (meeting === null) return { fallback_json: null, fallback_password_until: null };
  const password = meeting.password === null ? null : box.seal(meeting.password, contextOf(callId));
  return {
    fallback_json: JSON.stringify({ ...meeting, password }),
    fallback_password_until: password === null ? null : meeting.expiresAt,
  };
}

/** The meeting as stored; a password no configured key opens counts as wiped. */
export function fallbackOf(
  box: SecretBox,
  callId: string,
  json: string | null,
): FallbackMeeting | null {
  if (json === null) return null;
  const stored = JSON.parse(json) as FallbackMeeting;
  if (stored.password === null) return stored;
  try {
    return { ...stored, password: box.open(stored.password, contextOf(callId)) };
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    return { ...stored, password: null };
  }
}
