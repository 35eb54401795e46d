import { AuthService } from '../src/auth/auth.service.js';
import { issueToken, signJwt } from '../src/auth/jwt.js';
import { DirectoryService } from '../src/directory/directory.service.js';
import { BrokerHarness, SECRET } from './support/broker-harness.js';
import { TestIdentityProvider } from './support/identity-provider.js';

/** Starts the identity provider, then a broker trusting it (`AUTH_JWKS_URL: 'jwks'`: its JWKS path). */
async function brokerTrusting(
  idp: TestIdentityProvider,
  env: Record<string, string>,
): Promise<BrokerHarness> {
  await idp.start();
  const jwks: Record<string, string> = env.AUTH_JWKS_URL
    ? { AUTH_JWKS_URL: `${idp.issuer}/${env.AUTH_JWKS_URL}` }
    : {};
  const auth = { AUTH_ISSUER: idp.issuer, AUTH_AUDIENCE: 'expert-call-broker' };
  return new BrokerHarness({ env: { ...auth, ...env, ...jwks } }).start();
}

async function stopBoth(harness: BrokerHarness, idp: TestIdentityProvider): Promise<void> {
  await harness.stop();
  await idp.stop();
}

/** Issue 10, item 5: tokens from the company's OIDC identity provider, besides the shared secret. */
describe('tokens from an OIDC identity provider (RS256/ES256 over its JWKS)', () => {
  const idp = new TestIdentityProvider();
  let harness: BrokerHarness;
  const session = (token: string) => harness.api('GET', '/v1/session', { token });

  beforeAll(async () => {
    harness = await brokerTrusting(idp, { AUTH_JWKS_COOLDOWN_MS: '0' });
  });
  afterAll(() => stopBoth(harness, idp));

  it('maps sub to a directory person, keys found through discovery and cached', async () => {
    const first = await session(await idp.token({ sub: 'erika' }));
    expect(first.status).toBe(200);
    expect(first.body.person.id).toBe('erika');
    const fetches = idp.jwksFetches;
    expect((await session(await idp.token({ sub: 'tom' }))).body.person.id).toBe('tom');
    expect(idp.jwksFetches).toBe(fetches);
  });

  it('still accepts the shared-secret tokens', async () => {
    expect((await session(issueToken('sam', 60, SECRET))).status).toBe(200);
  });

  it('follows a key rotation, and refuses the withdrawn key afterwards', async () => {
    const oldKid = idp.kids().at(-1)!;
    const oldToken = await idp.token({ sub: 'tom' }, { kid: oldKid });
    expect((await session(oldToken)).status).toBe(200);
    await idp.rotate('ES256');
    const rotated = await session(await idp.token({ sub: 'tom' }));
    expect(rotated.status).toBe(200);
    const withdrawn = await session(oldToken);
    expect(withdrawn.status).toBe(401);
    expect(withdrawn.body.message).toBe(
      'token was signed with a key the identity provider does not list',
    );
  });

  it.each([
    ['a wrong audience', { audience: 'another-app' }, 'token "aud" claim is not accepted'],
    ['a wrong issuer', { issuer: 'https://evil.example' }, 'token "iss" claim is not accepted'],
    ['an expired token', { expiresIn: -10 }, 'token has expired'],
  ])('refuses %s', async (_what, options, message) => {
    const answer = await session(await idp.token({ sub: 'tom' }, options));
    expect(answer.status).toBe(401);
    expect(answer.body.message).toBe(message);
  });

  it('refuses a person the directory does not know', async () => {
    const answer = await session(await idp.token({ sub: 'mallory' }));
    expect(answer.status).toBe(401);
    expect(answer.body.message).toBe('token subject "mallory" is not in the directory');
  });

  it('refuses an identity-provider token signed with the shared secret (no algorithm confusion)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = signJwt(
      { sub: 'tom', iss: idp.issuer, aud: 'expert-call-broker', exp: now + 60 },
      SECRET,
      { alg: 'RS256', kid: idp.kids().at(-1) },
    );
    expect((await session(forged)).status).toBe(401);
  });
});

describe('identity-provider tokens naming the person by email', () => {
  const idp = new TestIdentityProvider();
  let harness: BrokerHarness;

  beforeAll(async () => {
    harness = await brokerTrusting(idp, { AUTH_JWKS_URL: 'jwks', AUTH_PERSON_CLAIM: 'email' });
  });
  afterAll(() => stopBoth(harness, idp));

  it('finds the person by email, case-insensitively, unless the email is unverified', async () => {
    const token = await idp.token({ sub: 'idp-4711', email: 'Erika@ACME.example' });
    const answer = await harness.api('GET', '/v1/session', { token });
    expect(answer.status).toBe(200);
    expect(answer.body.person.id).toBe('erika');
    const unverified = await idp.token({ email: 'erika@acme.example', email_verified: false });
    expect((await harness.api('GET', '/v1/session', { token: unverified })).status).toBe(401);
    const unknown = await idp.token({ sub: 'erika', email: 'nobody@acme.example' });
    expect((await harness.api('GET', '/v1/session', { token: unknown })).body.message).toBe(
      'token email "nobody@acme.example" is not in the directory',
    );
  });

  it('refuses an email that two directory people share', async () => {
    const erika = harness.app!.get(DirectoryService).find('erika')!;
    const twins = new DirectoryService([erika, { ...erika, id: 'erika-2' }]);
    const auth = new AuthService(harness.config, twins);
    await expect(auth.authenticate(await idp.token({ email: erika.email }))).rejects.toThrow(
      `token email "${erika.email}" names several directory people`,
    );
  });
});

describe('an identity provider that cannot be reached', () => {
  let harness: BrokerHarness;

  beforeAll(async () => {
    harness = await new BrokerHarness({
      env: {
        AUTH_ISSUER: 'http://127.0.0.1:9',
        AUTH_AUDIENCE: 'expert-call-broker',
      },
    }).start();
  });
  afterAll(() => harness.stop());

  it('answers 503 (not 401, not 500) for its tokens, and still serves shared-secret tokens', async () => {
    const idp = await new TestIdentityProvider().start();
    const token = await idp.token({ sub: 'tom' }, { issuer: 'http://127.0.0.1:9' });
    await idp.stop();
    const answer = await harness.api('GET', '/v1/session', { token });
    expect(answer.status).toBe(503);
    expect(answer.body.message).toBe('the identity provider keys cannot be fetched');
    expect((await harness.api('GET', '/v1/session', { as: 'tom' })).status).toBe(200);
  });
});
