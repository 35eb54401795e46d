import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DirectoryService } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import { TokenError, verifyJwt } from './jwt.js';

/** Turns a client token into a directory person; roles always come from the directory. */
@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: DirectoryService,
  ) {}

  /** Throws TokenError with a message fit for the client. */
  authenticate(token: string | undefined): Person {
    if (!token) throw new TokenError('a bearer token is required');
    const claims = verifyJwt(token, this.config.authJwtSecret);
    const person = this.directory.find(claims.sub);
    if (!person) throw new TokenError(`token subject "${claims.sub}" is not in the directory`);
    return person;
  }
}
