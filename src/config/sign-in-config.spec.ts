import { ConfigError, loadConfig } from './app-config.js';

const SESSION_SECRET = 'a-session-secret-of-at-least-32-bytes';

/** Production with the company's identity provider and the dashboard's sign-in. */
const withSignIn = {
  XASSIST_BASE_URL: 'https://frontline.example.com/acme',
  XASSIST_USERNAME: 'connector',
  XASSIST_PASSWORD: 'pw',
  XASSIST_DOMAIN: 'acme',
  DIRECTORY_FILE: './people.json',
  AUTH_ISSUER: 'https://login.acme.example/realms/acme',
  AUTH_AUDIENCE: 'expert-call-broker',
  AUTH_CLIENT_ID: 'expert-dashboard',
  AUTH_SESSION_SECRET: SESSION_SECRET,
  PUBLIC_URL: 'https://broker.acme.example/',
};

const refusal = (env: Record<string, string | undefined>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('the configuration was accepted');
};

describe('loadConfig: the dashboard sign-in (AUTH_CLIENT_ID)', () => {
  it('takes the client with its defaults: a public client, the usual scopes, 12 hours', () => {
    expect(loadConfig(withSignIn).auth.oidc?.signIn).toEqual({
      clientId: 'expert-dashboard',
      clientSecret: undefined,
      publicUrl: 'https://broker.acme.example',
      scopes: 'openid profile email offline_access',
      providerName: 'your company account',
      sessionSecret: SESSION_SECRET,
      sessionMaxAgeMs: 43_200_000,
    });
  });

  it('takes a client secret, scopes, the button name and the session length', () => {
    const signIn = loadConfig({
      ...withSignIn,
      AUTH_CLIENT_SECRET: 'from-the-provider',
      AUTH_SCOPES: ' openid   email offline_access ',
      AUTH_PROVIDER_NAME: 'Acme SSO',
      AUTH_SESSION_MAX_AGE_SECONDS: '3600',
    }).auth.oidc?.signIn;
    expect(signIn).toMatchObject({
      clientSecret: 'from-the-provider',
      scopes: 'openid email offline_access',
      providerName: 'Acme SSO',
      sessionMaxAgeMs: 3_600_000,
    });
  });

  it('has no sign-in without AUTH_CLIENT_ID', () => {
    expect(loadConfig({ ...withSignIn, AUTH_CLIENT_ID: undefined }).auth.oidc?.signIn).toBe(
      undefined,
    );
  });

  it.each([
    [
      'no issuer',
      { AUTH_ISSUER: undefined, AUTH_AUDIENCE: undefined, AUTH_JWT_SECRET: 'x'.repeat(32) },
      'AUTH_CLIENT_ID needs AUTH_ISSUER (the identity provider to sign in at)',
    ],
    [
      'no PUBLIC_URL',
      { PUBLIC_URL: undefined },
      'PUBLIC_URL is required with AUTH_CLIENT_ID: the sign-in redirect URI is <PUBLIC_URL>/auth/callback (https://broker.acme.example)',
    ],
    [
      'no session secret',
      { AUTH_SESSION_SECRET: undefined },
      'AUTH_SESSION_SECRET is required with AUTH_CLIENT_ID (it encrypts the sign-in cookie)',
    ],
    [
      'a short session secret',
      { AUTH_SESSION_SECRET: 'short' },
      'AUTH_SESSION_SECRET must be at least 32 bytes long (got 5); openssl rand -base64 48 makes one',
    ],
    [
      'scopes without openid',
      { AUTH_SCOPES: 'email offline_access' },
      'AUTH_SCOPES must include "openid", got "email offline_access"',
    ],
    [
      'a session of a few seconds',
      { AUTH_SESSION_MAX_AGE_SECONDS: '5' },
      'AUTH_SESSION_MAX_AGE_SECONDS must be a whole number from 60 to 2592000, got "5"',
    ],
    [
      'a plain-http PUBLIC_URL on another host (the cookie would go without Secure)',
      { PUBLIC_URL: 'http://broker.acme.example' },
      'PUBLIC_URL must use https: with AUTH_CLIENT_ID (the sign-in cookie is sent only over https; http: only on 127.0.0.0/8, [::1] or localhost), got "http://broker.acme.example"',
    ],
    [
      'a plain-http PUBLIC_URL on an address that only looks local',
      { PUBLIC_URL: 'http://127.0.0.1.nip.example:3000' },
      'PUBLIC_URL must use https: with AUTH_CLIENT_ID (the sign-in cookie is sent only over https; http: only on 127.0.0.0/8, [::1] or localhost), got "http://127.0.0.1.nip.example:3000"',
    ],
  ])('refuses %s, in one line', (_what, change, message) => {
    expect(refusal({ ...withSignIn, ...change })).toBe(message);
  });

  it.each([
    'http://127.0.0.1:3000',
    'http://127.0.5.9:3000/',
    'http://[::1]:3000',
    'http://localhost:3000',
  ])('takes a plain-http PUBLIC_URL on this machine (%s)', (publicUrl) => {
    const signIn = loadConfig({ ...withSignIn, PUBLIC_URL: publicUrl }).auth.oidc?.signIn;
    expect(signIn?.publicUrl).toBe(publicUrl.replace(/\/+$/, ''));
  });
});
