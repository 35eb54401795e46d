import { createHash } from 'node:crypto';
import type { DataKey } from '../common/secret-box.js';
import { ConfigError, type Env, integer, text } from './env-readers.js';
import type { BrokerMode } from './mode-config.js';

/**
 * What the database keeps and for how long (docs/security.md, "At rest"): the keys that encrypt
 * the secrets the broker needs again (webhook signing secrets, fallback meeting passwords while
 * the meeting lasts), and how long settled rows are kept before the retention sweep prunes them.
 */
export interface AtRestConfig {
  /** The first encrypts, all decrypt (rotation); empty in production when none are set. */
  keys: DataKey[];
  /** A delivered outbox row is deleted this long after its delivery. */
  outboxRetentionMs: number;
  /** A used accept link's row is deleted this long after its use. */
  acceptLinkRetentionMs: number;
  /**
   * RETENTION_DAYS: call events and settled outbox rows older than this are pruned (the calls
   * themselves, with their wrap-ups and ratings, stay: the reports count them).
   */
  retentionDays: number;
}

/**
 * Demo mode's key: public (it is derived from this sentence), so demo data is only obscured; the
 * demo database is thrown away at every demo start anyway. Refused outside demo mode.
 */
export const DEMO_DATA_KEY: DataKey = {
  id: 'demo',
  key: createHash('sha256').update('expert-call-broker public demo data key').digest(),
};

const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+$/;
const HOUR_MS = 3_600_000;

/** `<id>:<base64 of 32 bytes>`, comma-separated; no line ever repeats a key's value. */
function parseKeys(raw: string): DataKey[] {
  const keys = raw.split(',').map((entry, index): DataKey => {
    const match = /^\s*([^:]*):(.*)$/.exec(entry);
    if (!match)
      throw new ConfigError(
        `DATA_ENCRYPTION_KEYS entry ${index + 1} must be <id>:<base64 key> (entries separated by commas)`,
      );
    const [id, encoded] = [match[1].trim(), match[2].trim()];
    if (!KEY_ID.test(id))
      throw new ConfigError(
        `DATA_ENCRYPTION_KEYS key id "${id}" must be 1 to 16 letters, digits, _ or -`,
      );
    const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== 32)
      throw new ConfigError(
        `DATA_ENCRYPTION_KEYS key "${id}" must be 32 bytes in base64 (openssl rand -base64 32), got ${key.length}`,
      );
    return { id, key };
  });
  const seen = new Set<string>();
  for (const { id } of keys) {
    if (seen.has(id)) throw new ConfigError(`DATA_ENCRYPTION_KEYS names key "${id}" twice`);
    seen.add(id);
  }
  return keys;
}

export function atRestConfig(env: Env, mode: BrokerMode): { atRest: AtRestConfig } {
  const raw = text(env, 'DATA_ENCRYPTION_KEYS');
  const given = raw === undefined ? [] : parseKeys(raw);
  if (!mode.demoMode && given.some((key) => key.key.equals(DEMO_DATA_KEY.key)))
    throw new ConfigError(
      'DATA_ENCRYPTION_KEYS must not hold the public demo key outside demo mode',
    );
  // Channels mean fallback meetings, whose passwords are kept encrypted until the meeting ends.
  if (!mode.demoMode && given.length === 0 && text(env, 'CHANNELS_FILE') !== undefined)
    throw new ConfigError(
      `DATA_ENCRYPTION_KEYS is required with CHANNELS_FILE ${mode.requiredWhy} (it encrypts the secrets the database keeps; make one with: echo "k1:$(openssl rand -base64 32)")`,
    );
  return {
    atRest: {
      keys: given.length > 0 ? given : mode.demoMode ? [DEMO_DATA_KEY] : [],
      outboxRetentionMs: integer(env, 'OUTBOX_RETENTION_HOURS', 168, 1, 87_600) * HOUR_MS,
      acceptLinkRetentionMs: integer(env, 'ACCEPT_LINK_RETENTION_HOURS', 24, 1, 87_600) * HOUR_MS,
      retentionDays: integer(env, 'RETENTION_DAYS', 400, 1, 36_500),
    },
  };
}
