import { AuthService } from '../src/auth/auth.service.js';
import { issueToken, signJwt } from '../src/auth/jwt.js';
import { BrokerHarness, SECRET } from './support/broker-harness.js';
import { refusal, refusalError } from './support/socket-client.js';

/** Issue 8, finding 3 (token rules): every token expires, and only one spelling of it is read. */
describe('client tokens (issue 8, finding 3)', () => {
  const harness = new BrokerHarness();
  const now = () => Math.floor(Date.now() / 1000);
  const session = (token: string) => harness.api('GET', '/v1/session', { token });

  beforeAll(() => harness.start());
  afterAll(() => harness.stop());

  it('accepts a well-formed token', async () => {
    const answer = await session(issueToken('tom', 60, SECRET));
    expect(answer.status).toBe(200);
    expect(answer.body.person.id).toBe('tom');
  });

  it('refuses a token without exp', async () => {
    const answer = await session(signJwt({ sub: 'tom', iat: now() }, SECRET));
    expect(answer.status).toBe(401);
    expect(answer.body.message).toBe('token has no "exp" claim');
  });

  it('refuses a token without a subject, and a handshake token that is not a string', async () => {
    const answer = await session(signJwt({ exp: now() + 60 }, SECRET));
    expect(answer.status).toBe(401);
    expect(answer.body.message).toBe('token has no subject');
    await expect(harness.app!.get(AuthService).authenticate({ token: 1 })).rejects.toThrow(
      'a bearer token is required',
    );
  });

  it('refuses a token before its nbf', async () => {
    const token = signJwt({ sub: 'tom', nbf: now() + 3600, exp: now() + 7200 }, SECRET);
    const answer = await session(token);
    expect(answer.status).toBe(401);
    expect(answer.body.message).toBe('token is not valid yet (nbf)');
  });

  it('refuses a token with a critical header it does not understand', async () => {
    const header = { alg: 'HS256', typ: 'JWT', crit: ['x-bound-to'], 'x-bound-to': 'device-7' };
    const answer = await session(signJwt({ sub: 'tom', exp: now() + 60 }, SECRET, header));
    expect(answer.status).toBe(401);
    expect(answer.body.message).toMatch(/critical header/);
  });

  it('refuses other spellings of a valid signature (padding, unused bits, stray characters)', async () => {
    const token = issueToken('tom', 60, SECRET);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1)!);
    // A 32-byte signature leaves the last character's two low bits unused: both decode alike.
    const sameBytes = `${token.slice(0, -1)}${alphabet[last ^ 1]}`;
    expect(Buffer.from(sameBytes.split('.')[2], 'base64url')).toEqual(
      Buffer.from(token.split('.')[2], 'base64url'),
    );
    for (const variant of [sameBytes, `${token}=`, `${token.slice(0, 10)}+${token.slice(11)}`]) {
      const answer = await session(variant);
      expect(answer.status).toBe(401);
    }
    expect((await session(sameBytes)).body.message).toBe('token is not canonical base64url');
  });

  // Review finding (round 2, item 2): a refused token was the one refusal without `data`.
  it('refuses a bad handshake token with connect_error data like every other refusal, REST body unchanged', async () => {
    const token = issueToken('tom', -1, SECRET);
    const refused = await refusalError(harness.url, token);
    expect(refused.message).toBe('token has expired');
    expect(refused.data).toEqual({
      statusCode: 401,
      code: 'unauthorized',
      message: 'token has expired',
    });
    expect((await refusalError(harness.url, undefined)).data.message).toBe(
      'a bearer token is required',
    );
    const answer = await session(token);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      code: 'unauthorized',
      message: 'token has expired',
    });
  });

  it('tells the socket layer when a token expires (AuthService.authenticate)', async () => {
    const token = issueToken('erika', 90, SECRET);
    const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp;
    const { person, expiresAt } = await harness.app!.get(AuthService).authenticate(token);
    expect(person.id).toBe('erika');
    expect(expiresAt).toEqual(new Date(exp * 1000));
  });

  it.each([
    ['exp 1e308', { exp: 1e308 }, 'token "exp" claim is not a time the broker can use'],
    ['exp 9e15', { exp: 9e15 }, 'token "exp" claim is not a time the broker can use'],
    ['nbf -1e308', { nbf: -1e308 }, 'token "nbf" claim is not a time the broker can use'],
    ['iat -1e308', { iat: -1e308 }, 'token "iat" claim is not a time the broker can use'],
  ])(
    'refuses a token whose time is beyond any date (%s): 401 and connect_error',
    async (_what, times, message) => {
      const token = signJwt({ sub: 'sam', exp: now() + 60, ...times }, SECRET);
      const answer = await session(token);
      expect(answer.status).toBe(401);
      expect(answer.body.message).toBe(message);
      expect(await refusal(harness.url, token)).toBe(message);
    },
  );
});
