import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Person } from '../directory/person.js';
import { AuthService } from './auth.service.js';

const IS_PUBLIC = 'auth:public';
/** Opens a route to callers without a token (health, metrics). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

type AuthenticatedRequest = Request & { person?: Person };

/** Every REST route needs a valid token unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    // A TokenError is a BrokerError (401): errorAnswer maps it like any other refusal.
    request.person = (await this.auth.authenticate(token)).person;
    return true;
  }
}

/** The authenticated directory person behind the request. */
export const CurrentPerson = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Person => {
    const person = context.switchToHttp().getRequest<AuthenticatedRequest>().person;
    if (!person) throw new UnauthorizedException('a bearer token is required');
    return person;
  },
);
