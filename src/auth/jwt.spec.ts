import { signJwt, verifyJwt } from './jwt.js';

const SECRET = 'a-test-secret-of-some-length';

describe('HS256 tokens', () => {
  it('verifies what it signs', () => {
    const token = signJwt({ sub: 'tom', exp: 2_000_000_000 }, SECRET);
    expect(verifyJwt(token, SECRET, 1_900_000_000)).toMatchObject({ sub: 'tom' });
  });

  it('refuses another secret, expiry, other algorithms and garbage', () => {
    const token = signJwt({ sub: 'tom', exp: 100 }, SECRET);
    expect(() => verifyJwt(token, 'other-secret', 50)).toThrow('token signature is invalid');
    expect(() => verifyJwt(token, SECRET, 100)).toThrow('token has expired');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${token.split('.')[1]}.`;
    expect(() => verifyJwt(none, SECRET, 50)).toThrow('token must be signed with HS256');
    expect(() => verifyJwt('abc', SECRET)).toThrow('token is not a JWT');
    expect(() => verifyJwt('a.b.c', SECRET)).toThrow('token is not a JWT');
  });

  it('refuses a token without a subject', () => {
    expect(() => verifyJwt(signJwt({ sub: 7 as never }, SECRET), SECRET)).toThrow(
      'token has no subject',
    );
  });
});
