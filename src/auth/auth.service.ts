import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DirectoryService } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import { TokenError } from './jwt.js';
import { TokenVerifier, type VerifiedToken } from './token-verifier.js';

/** Who a valid token speaks for, and until when: sockets are closed at `expiresAt`. */
export interface Authenticated {
  person: Person;
  /** The token's `exp` (every accepted token has one). */
  expiresAt: Date;
}

const AMBIGUOUS = Symbol('several people');

/** Turns a client token into a directory person; roles always come from the directory. */
@Injectable()
export class AuthService {
  private readonly verifier: TokenVerifier;
  private readonly byEmail: Map<string, Person | typeof AMBIGUOUS>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: DirectoryService,
  ) {
    this.verifier = new TokenVerifier(config.auth);
    this.byEmail = new Map();
    for (const person of directory.all()) {
      const email = person.email?.toLowerCase();
      // An email two people share names neither of them: such a token is refused below.
      if (email) this.byEmail.set(email, this.byEmail.has(email) ? AMBIGUOUS : person);
    }
  }

  /**
   * Throws TokenError (401) with a message fit for the client, or
   * IdentityProviderUnavailableError (503) when the identity provider's keys cannot be fetched.
   */
  async authenticate(token: unknown): Promise<Authenticated> {
    // A socket handshake's `auth.token` is whatever the client sent, not always a string.
    if (typeof token !== 'string' || token === '') {
      throw new TokenError('a bearer token is required');
    }
    const verified = await this.verifier.verify(token);
    return { person: this.personOf(verified), expiresAt: new Date(verified.claims.exp * 1000) };
  }

  /** Shared-secret tokens name the person's id in `sub`; the identity provider's, the configured claim. */
  private personOf({ claims, source }: VerifiedToken): Person {
    const claim = source === 'issuer' ? (this.config.auth.oidc?.personClaim ?? 'sub') : 'sub';
    const value = claims[claim];
    if (typeof value !== 'string' || value === '') {
      throw new TokenError(
        claim === 'sub' ? 'token has no subject' : `token has no "${claim}" claim`,
      );
    }
    if (claim === 'email' && claims.email_verified === false) {
      throw new TokenError('token email is not verified');
    }
    const person =
      claim === 'email' ? this.byEmail.get(value.toLowerCase()) : this.directory.find(value);
    if (person === AMBIGUOUS) {
      throw new TokenError(`token email "${value}" names several directory people`);
    }
    if (!person) {
      const name = claim === 'sub' ? 'subject' : claim;
      throw new TokenError(`token ${name} "${value}" is not in the directory`);
    }
    return person;
  }
}
