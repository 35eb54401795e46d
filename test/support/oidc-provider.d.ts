// oidc-provider ships no TypeScript declarations (and @types/oidc-provider is not installed):
// just the part test/support/openid-provider.ts uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface ProviderClient {
    grantTypeAllowed(grantType: string): boolean;
  }

  export default class Provider {
    constructor(
      issuer: string,
      configuration: Record<string, unknown> & {
        issueRefreshToken?: (ctx: unknown, client: ProviderClient) => Promise<boolean>;
        findAccount?: (ctx: unknown, id: string) => Promise<unknown>;
      },
    );
    callback(): (request: IncomingMessage, response: ServerResponse) => void;
  }
}
