import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

/**
 * A stand-in for the company's OIDC identity provider on 127.0.0.1: discovery document, JWKS
 * (which the test can rotate) and token signing. Counts JWKS fetches, so caching is visible.
 */
export class TestIdentityProvider {
  issuer = '';
  jwksFetches = 0;
  private keys: SigningKey[] = [];
  private server?: Server;
  private nextKid = 1;

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.url === '/.well-known/openid-configuration') {
        return send(200, { issuer: this.issuer, jwks_uri: `${this.issuer}/jwks` });
      }
      if (request.url === '/jwks') {
        this.jwksFetches += 1;
        return send(200, { keys: this.keys.map((key) => key.jwk) });
      }
      send(404, {});
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    await this.rotate('RS256');
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Publishes a fresh key and withdraws the old ones (or keeps them, during a roll-over). */
  async rotate(alg: 'RS256' | 'ES256', keepOld = false): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    const kid = `key-${this.nextKid++}`;
    const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    this.keys = [...(keepOld ? this.keys : []), { kid, alg, privateKey, jwk }];
    return kid;
  }

  /** A token signed with the newest key (or `kid`'s), with these claims over sane defaults. */
  async token(
    claims: Record<string, unknown>,
    options: { audience?: string; issuer?: string; expiresIn?: number; kid?: string } = {},
  ): Promise<string> {
    const key = this.keys.find((candidate) => candidate.kid === options.kid) ?? this.keys.at(-1)!;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? 'expert-call-broker')
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresIn ?? 300))
      .sign(key.privateKey);
  }

  /** The current keys' kids, newest last. */
  kids(): string[] {
    return this.keys.map((key) => key.kid);
  }
}
