import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import type { Page } from 'playwright-core';

export const DASHBOARD_CLIENT_ID = 'expert-dashboard';
export const DASHBOARD_CLIENT_SECRET = 'dashboard-client-secret-for-the-e2e-provider';
export const BROKER_AUDIENCE = 'expert-call-broker';

export interface OpenIdProviderOptions {
  /** Seconds an access token lives (short, so a test sees the page renew it). */
  accessTokenTtlSeconds: number;
  /** A public client (PKCE only, no secret) instead of a confidential one. */
  publicClient?: boolean;
}

/**
 * A real OpenID provider (`oidc-provider`, a certified implementation) on 127.0.0.1, for the
 * dashboard's sign-in: its development login form takes any login and password (the login names
 * the account, so "erika" signs in as the directory's erika), asks for consent with "Continue"
 * and offers "[ Cancel ]" (access_denied). Access tokens are RS256 JWTs for BROKER_AUDIENCE.
 * Start it first (the issuer URL goes into the broker's environment), then tell it the broker's
 * address (`trust`), which it needs for the client's redirect URIs.
 */
export class TestOpenIdProvider {
  issuer = '';
  private server?: Server;
  private provider?: Provider;
  private readonly disabled = new Set<string>();

  constructor(private readonly options: OpenIdProviderOptions) {}

  async listen(): Promise<this> {
    this.server = createServer((request: IncomingMessage, response: ServerResponse) => {
      if (!this.provider) {
        response.writeHead(503).end('the provider is not configured yet');
        return;
      }
      this.provider.callback()(request, response);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Registers the broker at `brokerUrl` as the client DASHBOARD_CLIENT_ID. */
  async trust(brokerUrl: string): Promise<void> {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const signingKey = {
      ...(await exportJWK(privateKey)),
      kid: 'provider-key-1',
      use: 'sig',
      alg: 'RS256',
    };
    const ttl = this.options.accessTokenTtlSeconds;
    this.provider = new Provider(this.issuer, {
      clients: [
        {
          client_id: DASHBOARD_CLIENT_ID,
          ...(this.options.publicClient
            ? { token_endpoint_auth_method: 'none' }
            : {
                client_secret: DASHBOARD_CLIENT_SECRET,
                token_endpoint_auth_method: 'client_secret_basic',
              }),
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          redirect_uris: [`${brokerUrl}/auth/callback`],
          post_logout_redirect_uris: [`${brokerUrl}/?signin=signed-out`],
        },
      ],
      jwks: { keys: [signingKey] },
      cookies: { keys: ['e2e-provider-cookie-key-0123456789'] },
      pkce: { required: () => true },
      // Refresh tokens without prompt=consent (the provider's default drops offline_access then).
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      findAccount: async (_ctx, id) =>
        this.disabled.has(id)
          ? undefined
          : { accountId: id, claims: async () => ({ sub: id, email: `${id}@acme.example` }) },
      claims: { openid: ['sub'], email: ['email'] },
      features: {
        devInteractions: { enabled: true },
        rpInitiatedLogout: { enabled: true },
        revocation: { enabled: true },
        resourceIndicators: {
          enabled: true,
          // A resource indicator is a URI; the token's audience is the broker's AUTH_AUDIENCE.
          defaultResource: async () => `urn:${BROKER_AUDIENCE}`,
          useGrantedResource: async () => true,
          getResourceServerInfo: async () => ({
            scope: 'openid profile email offline_access',
            audience: BROKER_AUDIENCE,
            accessTokenTTL: ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
    });
  }

  /** The account can no longer sign in, and its refresh tokens are refused (its session ends). */
  disable(accountId: string): void {
    this.disabled.add(accountId);
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/**
 * At the provider's development pages: signs in as `login` (any password) and gives consent;
 * resolves once the browser is back on `brokerUrl`.
 */
export async function signInAtProvider(
  page: Page,
  login: string,
  brokerUrl: string,
): Promise<void> {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]', { hasText: 'Sign-in' }).click();
  await page.locator('button[type="submit"]', { hasText: 'Continue' }).click();
  await page.waitForURL((url) => url.toString().startsWith(brokerUrl));
}
