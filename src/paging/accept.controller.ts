import { Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.guard.js';
import { AcceptLinks, type AcceptAnswer } from './accept-links.service.js';
import { ACCEPT_PAGE_CSP, acceptPage } from './accept-page.js';

/**
 * The page an accept link opens (HTML for people, not part of the JSON API, so not in the
 * OpenAPI document). GET only shows; the form's POST accepts. The token is the credential.
 */
@Controller('accept')
export class AcceptController {
  constructor(private readonly links: AcceptLinks) {}

  @Public()
  @Get(':token')
  @ApiExcludeEndpoint()
  async show(@Param('token') token: string, @Res() response: Response): Promise<void> {
    this.send(response, await this.links.preview(token));
  }

  @Public()
  @Post(':token')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async accept(@Param('token') token: string, @Res() response: Response): Promise<void> {
    this.send(response, await this.links.accept(token));
  }

  private send(response: Response, answer: AcceptAnswer): void {
    response
      .status(answer.status)
      .type('html')
      .setHeader('content-security-policy', ACCEPT_PAGE_CSP)
      .send(acceptPage(answer));
  }
}
