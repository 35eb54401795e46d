import { createHmac } from 'node:crypto';
import { signAcceptLink, verifyAcceptLink } from './accept-link.js';

const KEY = 'accept-link-key-for-unit-tests-0123456789';
const NOW = 1_700_000_000_000;
const claims = { callId: 'c1', expertId: 'erika', expiresAtMs: NOW + 60_000 };

/** Signs any body as the broker would: a well-signed token whose claims may be ill-shaped. */
function signedBody(body: unknown): string {
  const encoded = Buffer.from(JSON.stringify(body)).toString('base64url');
  const mac = createHmac('sha256', KEY).update(`accept-link.v1.${encoded}`).digest('base64url');
  return `${encoded}.${mac}`;
}

/** The same bytes spelt otherwise: the last character's unused low bits set. */
function withPaddingBits(part: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const unused = part.length % 4 === 2 ? 0b1111 : 0b11;
  const last = alphabet.indexOf(part.at(-1)!);
  return part.slice(0, -1) + alphabet[(last & ~unused) | 1];
}

describe('accept link tokens', () => {
  const token = signAcceptLink(KEY, { ...claims, linkId: 'AAAAAAAAAAAAAAAA' });

  it('verifies what it signed', () => {
    expect(verifyAcceptLink(KEY, token, NOW)).toEqual({
      ok: true,
      claims: { ...claims, linkId: 'AAAAAAAAAAAAAAAA' },
    });
  });

  it('refuses a signature spelt non-canonically (the same bytes, padding bits set)', () => {
    const [body, signature] = token.split('.');
    const respelt = withPaddingBits(signature);
    expect(respelt).not.toBe(signature);
    expect(Buffer.from(respelt, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    expect(verifyAcceptLink(KEY, `${body}.${respelt}`, NOW)).toEqual({
      ok: false,
      problem: 'malformed',
    });
  });

  it('refuses a body spelt non-canonically, even with a signature made over that spelling', () => {
    // A body whose length leaves unused bits in its last character.
    const odd = [0, 1, 2, 3]
      .map((extra) =>
        signedBody({ c: `c1${'x'.repeat(extra)}`, e: 'erika', x: NOW + 1, n: 'A'.repeat(16) }),
      )
      .find((t) => t.split('.')[0].length % 4 !== 0)!;
    const respelt = withPaddingBits(odd.split('.')[0]);
    const mac = createHmac('sha256', KEY).update(`accept-link.v1.${respelt}`).digest('base64url');
    expect(verifyAcceptLink(KEY, `${respelt}.${mac}`, NOW)).toEqual({
      ok: false,
      problem: 'malformed',
    });
  });

  it.each([
    ['padding', (t: string) => `${t}=`],
    ['a +', (t: string) => `+${t.slice(1)}`],
    ['a /', (t: string) => `${t.slice(0, -1)}/`],
    ['a third part', (t: string) => `${t}.abc`],
  ])('refuses a token with %s', (_name, change) => {
    expect(verifyAcceptLink(KEY, change(token), NOW)).toMatchObject({ ok: false });
  });

  it.each([
    ['no expiry', { c: 'c1', e: 'erika', n: 'A'.repeat(16) }],
    ['a text expiry', { c: 'c1', e: 'erika', x: String(NOW + 1), n: 'A'.repeat(16) }],
    ['a fractional expiry', { c: 'c1', e: 'erika', x: NOW + 0.5, n: 'A'.repeat(16) }],
    [
      'a call id of 500 characters',
      { c: 'c'.repeat(500), e: 'erika', x: NOW + 1, n: 'A'.repeat(16) },
    ],
    ['an empty expert id', { c: 'c1', e: '', x: NOW + 1, n: 'A'.repeat(16) }],
    ['an expert id with a line break', { c: 'c1', e: 'eri\nka', x: NOW + 1, n: 'A'.repeat(16) }],
    ['a short link id', { c: 'c1', e: 'erika', x: NOW + 1, n: 'A' }],
    ['a numeric link id', { c: 'c1', e: 'erika', x: NOW + 1, n: 7 }],
    ['an unknown claim', { c: 'c1', e: 'erika', x: NOW + 1, n: 'A'.repeat(16), admin: true }],
    ['an array', ['c1', 'erika']],
    ['null', null],
  ])('refuses well-signed claims with %s as malformed', (_name, body) => {
    expect(verifyAcceptLink(KEY, signedBody(body), NOW)).toEqual({
      ok: false,
      problem: 'malformed',
    });
  });

  it('says expired for a well-formed link past its expiry, and forged for another key', () => {
    expect(verifyAcceptLink(KEY, token, NOW + 60_000)).toMatchObject({
      ok: false,
      problem: 'expired',
    });
    expect(verifyAcceptLink(`${KEY}-other`, token, NOW)).toEqual({ ok: false, problem: 'forged' });
  });
});
