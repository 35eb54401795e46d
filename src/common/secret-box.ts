import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One key of DATA_ENCRYPTION_KEYS: its id is stored with every ciphertext it made. */
export interface DataKey {
  id: string;
  key: Buffer;
}

/** A stored secret cannot be sealed or opened: no key, an unknown key, or a changed ciphertext. */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

const VERSION = 'enc:v1:';

/** A value as SecretBox seals it (whatever its key), as opposed to plain text. */
export function isSealed(stored: string): boolean {
  return stored.startsWith(VERSION);
}
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts the secrets the broker must read again (docs/security.md, "At rest"): AES-256-GCM
 * with a fresh nonce, stored as `enc:v1:<key id>:<base64url nonce|ciphertext|tag>`. The first
 * key of DATA_ENCRYPTION_KEYS seals, every key opens, so a key is rotated by adding a new one
 * first. `context` (which row, which column) is authenticated, so a ciphertext copied into
 * another row does not open there. Text without the prefix is a secret stored before encryption
 * and is read as it is, until the start-up reseal encrypts it.
 */
export class SecretBox {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: readonly DataKey[]) {
    this.byId = new Map(keys.map((key) => [key.id, key.key]));
  }

  get canSeal(): boolean {
    return this.keys.length > 0;
  }

  seal(plain: string, context: string): string {
    const current = this.keys[0];
    if (!current) throw new SecretBoxError('DATA_ENCRYPTION_KEYS is not set: nothing can seal');
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', current.key, nonce);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([nonce, cipher.update(plain, 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([body, cipher.getAuthTag()]).toString('base64url');
    return `${VERSION}${current.id}:${sealed}`;
  }

  open(stored: string, context: string): string {
    if (!stored.startsWith(VERSION)) return stored;
    const [id, sealed = ''] = stored.slice(VERSION.length).split(':');
    const key = this.byId.get(id);
    if (!key)
      throw new SecretBoxError(
        `the key "${id}" that encrypted this secret is not in DATA_ENCRYPTION_KEYS`,
      );
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < NONCE_BYTES + TAG_BYTES)
      throw new SecretBoxError('a sealed secret is cut short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plain = decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES));
      return Buffer.concat([plain, decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(`a secret sealed with key "${id}" does not open: it was changed`);
    }
  }

  /** Sealed with the current key: false for plain text and for older keys (the reseal's work). */
  isCurrent(stored: string): boolean {
    return this.canSeal && stored.startsWith(`${VERSION}${this.keys[0].id}:`);
  }
}
