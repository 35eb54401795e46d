import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { DashboardSignInConfig } from '../config/app-config.js';
import {
  OidcSignIn,
  SessionEndedError,
  SignInRefusedError,
  SignInUnavailableError,
  signInErrorFrom,
} from './oidc-sign-in.js';

interface TokenAnswer {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * An authorization server on 127.0.0.1 reduced to what the errors need: its metadata and a token
 * endpoint that answers whatever the test sets.
 */
class ScriptedTokenEndpoint {
  issuer = '';
  answer: TokenAnswer = { status: 500, body: '' };
  private server?: Server;

  async listen(): Promise<void> {
    this.server = createServer((request, response) => {
      if (request.url === '/.well-known/openid-configuration') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            issuer: this.issuer,
            authorization_endpoint: `${this.issuer}/authorize`,
            token_endpoint: `${this.issuer}/token`,
            jwks_uri: `${this.issuer}/jwks`,
            response_types_supported: ['code'],
          }),
        );
        return;
      }
      request.resume();
      request.on('end', () => {
        const { status, body, contentType, headers } = this.answer;
        response.writeHead(status, {
          'content-type': contentType ?? 'application/json',
          ...headers,
        });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const endpoint = new ScriptedTokenEndpoint();
let client: OidcSignIn;

beforeAll(async () => {
  await endpoint.listen();
  const config: DashboardSignInConfig = {
    clientId: 'expert-dashboard',
    clientSecret: 'the-client-secret',
    publicUrl: 'http://127.0.0.1:1',
    scopes: 'openid offline_access',
    providerName: 'Acme SSO',
    sessionSecret: 'a-session-secret-of-at-least-32-bytes',
    sessionMaxAgeMs: 3_600_000,
  };
  client = new OidcSignIn(endpoint.issuer, config);
});

afterAll(() => endpoint.stop());

const oauthError = (status: number, error: string, headers?: Record<string, string>) => ({
  status,
  body: JSON.stringify({ error, error_description: `${error} from the provider` }),
  headers,
});

const refusalOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('the call succeeded');
    },
    (error: unknown) => error,
  );

describe('OidcSignIn.refresh: which refusals end the session', () => {
  it('ends the session when the provider says invalid_grant', async () => {
    endpoint.answer = oauthError(400, 'invalid_grant');
    const error = await refusalOf(client.refresh('old-refresh-token'));
    expect(error).toBeInstanceOf(SessionEndedError);
    expect((error as Error).message).toBe('invalid_grant from the provider');
  });

  it.each([
    ['a rate limit (429)', oauthError(429, 'slow_down', { 'retry-after': '30' })],
    ['a client secret mix-up (401 invalid_client)', oauthError(401, 'invalid_client')],
    ['a client secret mix-up (400 invalid_client)', oauthError(400, 'invalid_client')],
    ['an unauthorized_client', oauthError(400, 'unauthorized_client')],
    ['temporarily_unavailable', oauthError(400, 'temporarily_unavailable')],
    ['a 503 with an error body', oauthError(503, 'temporarily_unavailable')],
    [
      'a 502 from a proxy (no JSON)',
      { status: 502, body: 'Bad Gateway', contentType: 'text/plain' },
    ],
  ])('keeps the session on %s: 503, with the reason for the operator', async (_name, answer) => {
    endpoint.answer = answer;
    const error = await refusalOf(client.refresh('old-refresh-token'));
    expect(error).toBeInstanceOf(SignInUnavailableError);
    expect((error as SignInUnavailableError).httpStatus).toBe(503);
    expect((error as SignInUnavailableError).reason).toMatch(/\S/);
  });
});

describe('OidcSignIn.finish: a token endpoint that cannot answer now', () => {
  const flow = { codeVerifier: 'v'.repeat(43), state: 'the-state', nonce: 'n', expiresAt: 0 };
  const callback = () => new URL(`http://127.0.0.1:1/auth/callback?code=c&state=the-state`);

  it.each([
    [
      'a 502 from a proxy (no JSON)',
      { status: 502, body: 'Bad Gateway', contentType: 'text/plain' },
    ],
    ['a 503 with an error body', oauthError(503, 'temporarily_unavailable')],
    ['a rate limit (429)', oauthError(429, 'slow_down')],
  ])('is "not possible now" (503) on %s, not a refusal', async (_name, answer) => {
    endpoint.answer = answer;
    const error = await refusalOf(client.finish(callback(), flow));
    expect(error).toBeInstanceOf(SignInUnavailableError);
  });

  it('is still a refusal when the provider refuses the code', async () => {
    endpoint.answer = oauthError(400, 'invalid_grant');
    const error = await refusalOf(client.finish(callback(), flow));
    expect(error).toBeInstanceOf(SignInRefusedError);
  });

  it('is "not possible now" when the token endpoint times out', () => {
    const timedOut = Object.assign(new oidc.ClientError('operation timed out'), {
      code: 'OAUTH_TIMEOUT',
    });
    expect(signInErrorFrom(timedOut)).toBeInstanceOf(SignInUnavailableError);
  });

  it('is a refusal when the answer does not check out (a wrong ID token)', () => {
    const wrong = Object.assign(new oidc.ClientError('unexpected JWT claim value encountered'), {
      code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    });
    expect(signInErrorFrom(wrong)).toBeInstanceOf(SignInRefusedError);
  });
});
