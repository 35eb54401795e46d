import { randomBytes } from 'node:crypto';
import { SecretBox, SecretBoxError } from './secret-box.js';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const SECRET = 'whsec_' + randomBytes(32).toString('base64');

describe('SecretBox (issue 18 item 8: secrets the broker needs again, encrypted at rest)', () => {
  it('seals with the first key, AES-256-GCM, version and key id stored with the ciphertext', () => {
    const sealed = new SecretBox([k1, k2]).seal(SECRET, 'webhook:w1');
    expect(sealed).toMatch(/^enc:v1:k1:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(SECRET.slice(6, 20));
    expect(new SecretBox([k1]).open(sealed, 'webhook:w1')).toBe(SECRET);
  });

  it('never seals the same secret to the same text twice (a fresh nonce each time)', () => {
    const box = new SecretBox([k1]);
    expect(box.seal(SECRET, 'c')).not.toBe(box.seal(SECRET, 'c'));
  });

  it('opens with any configured key (rotation) and tells what a reseal would change', () => {
    const old = new SecretBox([k1]).seal(SECRET, 'c');
    const rotated = new SecretBox([k2, k1]);
    expect(rotated.open(old, 'c')).toBe(SECRET);
    expect(rotated.isCurrent(old)).toBe(false);
    expect(rotated.isCurrent(rotated.seal(SECRET, 'c'))).toBe(true);
    expect(rotated.isCurrent(SECRET)).toBe(false);
  });

  it('reads a secret stored before encryption as it is (upgraded databases)', () => {
    expect(new SecretBox([k1]).open(SECRET, 'c')).toBe(SECRET);
  });

  it('refuses a ciphertext moved to another row, changed, or made with a key it lacks', () => {
    const sealed = new SecretBox([k1]).seal(SECRET, 'webhook:w1');
    const box = new SecretBox([k1]);
    expect(() => box.open(sealed, 'webhook:w2')).toThrow(SecretBoxError);
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.at(-1);
    expect(() => box.open(flipped, 'webhook:w1')).toThrow(SecretBoxError);
    expect(() => new SecretBox([k2]).open(sealed, 'webhook:w1')).toThrow(
      'the key "k1" that encrypted this secret is not in DATA_ENCRYPTION_KEYS',
    );
  });

  it('without keys it cannot seal: the caller refuses what would store a secret', () => {
    const box = new SecretBox([]);
    expect(box.canSeal).toBe(false);
    expect(() => box.seal(SECRET, 'c')).toThrow(SecretBoxError);
  });
});
