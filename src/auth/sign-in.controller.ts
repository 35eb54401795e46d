import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { BrokerError } from '../common/broker-error.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { Public } from './auth.guard.js';
import {
  DashboardSignIn,
  SignInFailureError,
  SignInRequiredError,
  type PageToken,
  type SignInAnswer,
  type SignInOptions,
} from './dashboard-sign-in.service.js';
import { SignInUnavailableError } from './oidc-sign-in.js';

/** The failure page: its stylesheet and one link, nothing else. */
const PAGE_CSP =
  "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** A whole page for a sign-in that could not finish: what happened and the way back. */
export function failurePage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(title)} · Expert Call Broker</title>
    <link rel="stylesheet" href="/dashboard/style.css" />
  </head>
  <body>
    <main id="sign-in-failure" class="panel">
      <h1>${escapeHtml(title)}</h1>
      <p id="sign-in-reason" role="alert">${escapeHtml(message)}</p>
      <p><a id="sign-in-again" href="/">Back to the sign-in page</a></p>
    </main>
  </body>
</html>
`;
}

/**
 * The dashboard's sign-in routes (docs/security.md › Dashboard sign-in). Browser-only (cookies,
 * redirects, an HTML page), so not in the OpenAPI document, like the dashboard's own files.
 */
@ApiExcludeController()
@Controller('auth')
export class SignInController {
  private readonly logger: Logger;

  constructor(
    private readonly signIn: DashboardSignIn,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'dashboard-sign-in' });
  }

  @Public()
  @Get('options')
  options(): SignInOptions {
    return this.signIn.options();
  }

  @Public()
  @Get('login')
  async login(@Res() response: Response): Promise<void> {
    await this.page(response, () => this.signIn.login());
  }

  @Public()
  @Get('callback')
  async callback(@Req() request: Request, @Res() response: Response): Promise<void> {
    await this.page(response, () =>
      this.signIn.callback(this.signIn.callbackUrl(request.originalUrl), request.headers.cookie),
    );
  }

  @Public()
  @Post('token')
  @HttpCode(200)
  async token(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PageToken | undefined> {
    return this.json(response, () =>
      this.signIn.token(request.headers.cookie, request.headers.origin),
    );
  }

  @Public()
  @Post('logout')
  @HttpCode(200)
  async logout(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ endSessionUrl: string | null } | undefined> {
    return this.json(response, () =>
      this.signIn.logout(request.headers.cookie, request.headers.origin),
    );
  }

  private async json<T>(
    response: Response,
    run: () => Promise<SignInAnswer<T>>,
  ): Promise<T | undefined> {
    try {
      const answer = await run();
      response.setHeader('set-cookie', answer.cookies);
      return answer.body;
    } catch (error) {
      if (error instanceof SignInRequiredError) {
        response.setHeader('set-cookie', error.cookies);
        if (error.details.signIn === 'ended')
          this.logger.info({ reason: error.message }, 'a dashboard sign-in ended');
      }
      if (error instanceof SignInUnavailableError) {
        // A renewed session cookie goes out even so: the provider may have rotated the token.
        response.setHeader('set-cookie', error.cookies);
        // For the operator: a rate limit or a client secret mix-up is theirs to fix.
        this.logger.warn(
          { reason: error.reason ?? error.message },
          'a dashboard sign-in cannot be renewed now',
        );
      }
      throw error;
    }
  }

  /** Browser navigations: a redirect, or a page saying what went wrong (never a JSON body). */
  private async page(response: Response, run: () => Promise<SignInAnswer>): Promise<void> {
    try {
      const answer = await run();
      response.setHeader('set-cookie', answer.cookies).redirect(302, answer.redirect ?? '/');
    } catch (error) {
      const { status, title, message, cookies, reason } = pageOf(error);
      // For the operator: why people cannot sign in (the provider's words, never a token).
      const log = { status, title, reason: reason ?? message };
      if (status >= 500 && !(error instanceof BrokerError)) {
        this.logger.error({ ...log, err: error }, 'a dashboard sign-in failed unexpectedly');
      } else {
        this.logger.warn(log, 'a dashboard sign-in did not finish');
      }
      response
        .status(status)
        .setHeader('set-cookie', cookies)
        .setHeader('content-security-policy', PAGE_CSP)
        .type('text/html')
        .send(failurePage(title, message));
    }
  }
}

function pageOf(error: unknown): {
  status: number;
  title: string;
  message: string;
  cookies: string[];
  reason?: string;
} {
  if (error instanceof SignInFailureError) return { status: 403, ...error.failure };
  if (error instanceof BrokerError) {
    return {
      status: error.httpStatus,
      title: 'Sign-in is not possible now',
      message: error.message,
      cookies: [],
      reason: error instanceof SignInUnavailableError ? error.reason : undefined,
    };
  }
  // A fault of the broker's own: the person hears that much, the operator's log has the rest.
  return {
    status: 500,
    title: 'Sign-in failed',
    message:
      'The broker could not finish the sign-in. Try again; if it keeps failing, tell an administrator.',
    cookies: [],
  };
}
