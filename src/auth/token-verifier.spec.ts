import { DEMO_JWT_SECRET } from '../config/app-config.js';
import { issueToken, signJwt } from './jwt.js';
import { TokenVerifier } from './token-verifier.js';

const SECRET = 'a-unit-test-secret-of-at-least-32-bytes';
const verifier = new TokenVerifier({ jwtSecret: SECRET, oidc: undefined });
const now = () => Math.floor(Date.now() / 1000);

describe('TokenVerifier with the shared HS256 secret', () => {
  it('verifies what issueToken signs and reports its expiry', async () => {
    const token = issueToken('tom', 60, SECRET);
    const { claims, source } = await verifier.verify(token);
    expect(source).toBe('secret');
    expect(claims.sub).toBe('tom');
    expect(claims.exp).toBeGreaterThanOrEqual(now() + 59);
  });

  it.each([
    ['another secret', () => issueToken('tom', 60, DEMO_JWT_SECRET), 'token signature is invalid'],
    ['an expired token', () => issueToken('tom', -1, SECRET), 'token has expired'],
    [
      'alg none',
      () =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${issueToken('tom', 60, SECRET).split('.')[1]}.`,
      'token is not a JWT',
    ],
    [
      'an RS256 header without an identity provider',
      () => signJwt({ sub: 'tom', exp: now() + 60 }, SECRET, { alg: 'RS256' }),
      'token must be signed with HS256',
    ],
    ['garbage', () => 'abc', 'token is not a JWT'],
    ['three empty parts', () => '..', 'token is not a JWT'],
    ['a header that is not JSON', () => 'YWJj.YWJj.YWJj', 'token is not a JWT'],
  ])('refuses %s', async (_what, token, message) => {
    await expect(verifier.verify(token())).rejects.toThrow(message);
  });

  it.each([
    ['exp', 1e308],
    ['exp', 9e15],
    ['exp', 253402300800],
    ['nbf', -1e308],
    ['iat', -1],
    ['iat', 1e308],
  ])('refuses a token whose %s (%d) is not a date the broker can use', async (claim, value) => {
    const token = signJwt({ sub: 'sam', exp: now() + 60, [claim]: value }, SECRET);
    await expect(verifier.verify(token)).rejects.toThrow(
      `token "${claim}" claim is not a time the broker can use`,
    );
  });

  it('accepts times up to the end of year 9999', async () => {
    const token = signJwt({ sub: 'sam', exp: 253402300799, iat: now(), nbf: 0 }, SECRET);
    expect((await verifier.verify(token)).claims.exp).toBe(253402300799);
  });
});
