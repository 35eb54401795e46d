import { jest } from '@jest/globals';
import { MemoryRateLimiter } from '../cluster/shared-rate-limiter.js';
import type { AppConfig, DashboardSignInConfig } from '../config/app-config.js';
import type { Person } from '../directory/person.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import type { AuthService } from './auth.service.js';
import {
  DashboardSignIn,
  RENEWAL_BURST,
  SignInRequiredError,
  TooManyRenewalsError,
} from './dashboard-sign-in.service.js';
import { TokenError } from './jwt.js';
import { OidcSignIn, SignInUnavailableError, type IssuedTokens } from './oidc-sign-in.js';
import { SESSION_COOKIE, SignInCookieSealer, readCookies } from './sign-in-cookies.js';
import { IdentityProviderUnavailableError } from './token-verifier.js';

const SESSION_SECRET = 'a-session-secret-of-at-least-32-bytes';
const PUBLIC_URL = 'https://broker.acme.example';
const signIn: DashboardSignInConfig = {
  clientId: 'expert-dashboard',
  clientSecret: undefined,
  publicUrl: PUBLIC_URL,
  scopes: 'openid offline_access',
  providerName: 'Acme SSO',
  sessionSecret: SESSION_SECRET,
  sessionMaxAgeMs: 3_600_000,
};
const config = {
  auth: { jwtSecret: undefined, oidc: { issuer: 'http://127.0.0.1:9/realms/acme', signIn } },
} as unknown as AppConfig;

const sealer = new SignInCookieSealer(SESSION_SECRET);
const erika = { id: 'erika' } as Person;
const rotated: IssuedTokens = {
  accessToken: 'new-access-token',
  refreshToken: 'rotated-refresh-token',
  idToken: undefined,
};

let clock: FakeClock;
let authenticate: jest.Mock<AuthService['authenticate']>;
let service: DashboardSignIn;
let revoked: string[];

beforeEach(() => {
  clock = new FakeClock();
  authenticate = jest.fn<AuthService['authenticate']>();
  service = new DashboardSignIn(
    config,
    { authenticate } as unknown as AuthService,
    clock,
    new MemoryRateLimiter(clock),
  );
  revoked = [];
  jest.spyOn(OidcSignIn.prototype, 'refresh').mockResolvedValue(rotated);
  jest.spyOn(OidcSignIn.prototype, 'revoke').mockImplementation(async (token) => {
    revoked.push(token);
    return true;
  });
});

afterEach(() => jest.restoreAllMocks());

const cookieHeader = (sessionId = 'session-1') =>
  `${SESSION_COOKIE}=${sealer.sealSession({
    refreshToken: 'old-refresh-token',
    idToken: undefined,
    personId: 'erika',
    sessionId,
    expiresAt: clock.now() + 3_600_000,
  })}`;

/** The session a Set-Cookie list leaves in the browser (undefined: deleted or never set). */
const sessionIn = (cookies: string[]) => {
  const set = cookies.find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
  if (!set) return 'unchanged';
  const value = readCookies(set.split(';')[0]).get(SESSION_COOKIE);
  return sealer.openSession(value, clock.now());
};

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the renewal succeeded');
    },
    (error: unknown) => error as Error & { cookies?: string[] },
  );

describe('DashboardSignIn.token after the provider rotated the refresh token', () => {
  it('keeps the rotated refresh token in the cookie on success', async () => {
    authenticate.mockResolvedValue({ person: erika, expiresAt: new Date(clock.now() + 60_000) });
    const answer = await service.token(cookieHeader(), PUBLIC_URL);
    expect(answer.body?.accessToken).toBe('new-access-token');
    expect(sessionIn(answer.cookies)).toMatchObject({ refreshToken: 'rotated-refresh-token' });
  });

  it("stores the rotated refresh token when the provider's keys cannot be fetched (503)", async () => {
    authenticate.mockRejectedValue(new IdentityProviderUnavailableError('keys unreachable'));
    const error = await failureOf(service.token(cookieHeader(), PUBLIC_URL));
    expect(error).toBeInstanceOf(SignInUnavailableError);
    expect(sessionIn(error.cookies ?? [])).toMatchObject({
      refreshToken: 'rotated-refresh-token',
      personId: 'erika',
    });
    expect(revoked).toEqual([]);
  });

  it('ends the session and revokes the rotated refresh token when the new token is refused', async () => {
    authenticate.mockRejectedValue(new TokenError('token subject "erika" is not in the directory'));
    const error = await failureOf(service.token(cookieHeader(), PUBLIC_URL));
    expect(error).toBeInstanceOf(SignInRequiredError);
    expect(error.cookies).toEqual([expect.stringMatching(/^broker_session=; .*Max-Age=0/)]);
    expect(revoked).toEqual(['rotated-refresh-token']);
  });

  it('ends the session and revokes the rotated refresh token when the account changed', async () => {
    const other = { id: 'tomas' } as Person;
    authenticate.mockResolvedValue({ person: other, expiresAt: new Date(clock.now() + 60_000) });
    const error = await failureOf(service.token(cookieHeader(), PUBLIC_URL));
    expect(error).toBeInstanceOf(SignInRequiredError);
    expect(revoked).toEqual(['rotated-refresh-token']);
  });
});

describe('DashboardSignIn.token: renewals per session', () => {
  it('answers 429 with Retry-After once a session renews too often, without asking the provider', async () => {
    authenticate.mockResolvedValue({ person: erika, expiresAt: new Date(clock.now() + 60_000) });
    const refresh = jest.mocked(OidcSignIn.prototype.refresh);
    for (let i = 0; i < RENEWAL_BURST; i++) await service.token(cookieHeader(), PUBLIC_URL);
    expect(refresh).toHaveBeenCalledTimes(RENEWAL_BURST);

    const error = await failureOf(service.token(cookieHeader(), PUBLIC_URL));
    expect(error).toBeInstanceOf(TooManyRenewalsError);
    expect((error as TooManyRenewalsError).httpStatus).toBe(429);
    const retryAfterSeconds = (error as TooManyRenewalsError).details.retryAfterSeconds as number;
    expect(retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refresh).toHaveBeenCalledTimes(RENEWAL_BURST);

    // Another session of the same person is not held back by this one.
    await service.token(cookieHeader('session-2'), PUBLIC_URL);
    // Once Retry-After has passed, the first one renews again.
    await clock.advance(retryAfterSeconds * 1000);
    await service.token(cookieHeader(), PUBLIC_URL);
    expect(refresh).toHaveBeenCalledTimes(RENEWAL_BURST + 2);
  });
});
