import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPerson } from '../auth/auth.guard.js';
import type { Person } from '../directory/person.js';
import { ApiErrors, ApiJson } from '../openapi/api-responses.js';
import {
  CreateWebhookDto,
  ListWebhooksQuery,
  OutboxIdParam,
  WEBHOOK_PAGE,
} from './dto/webhook.dto.js';
import { toWebhookView, WebhooksService, type WebhookView } from './webhooks.service.js';

@ApiTags('webhooks')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    operationId: 'createWebhook',
    summary: 'Subscribe to call events (integrations only); the answer shows the secret once',
    description:
      'Deliveries are signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). ' +
      'The URL must be https and resolve to public addresses only; 400 otherwise, 422 for a private or unresolvable host. ' +
      '409 (webhook_limit_reached) when the integration already holds WEBHOOK_MAX_PER_INTEGRATION webhooks; ' +
      '429 past WEBHOOK_CREATES_PER_MINUTE tries a minute.',
  })
  @ApiJson(201, 'CreatedWebhook', 'The subscription with its whsec_ secret (shown only here)')
  @ApiErrors(400, 403, 409, 422, 429)
  async create(
    @CurrentPerson() caller: Person,
    @Body() body: CreateWebhookDto,
  ): Promise<WebhookView & { secret: string }> {
    const webhook = await this.webhooks.create(caller, body);
    return { ...toWebhookView(webhook), secret: webhook.secret };
  }

  @Get()
  @ApiOperation({
    operationId: 'listWebhooks',
    summary: "The caller's webhooks, without their secrets (integrations only)",
  })
  @ApiJson(200, 'WebhookList', 'One page, oldest first')
  @ApiErrors(400, 403)
  async list(
    @CurrentPerson() caller: Person,
    @Query() query: ListWebhooksQuery,
  ): Promise<{ webhooks: WebhookView[]; nextCursor: string | null }> {
    const limit = query.limit === undefined ? WEBHOOK_PAGE.default : Number(query.limit);
    const page = await this.webhooks.list(caller, limit, query.cursor);
    return { webhooks: page.webhooks.map(toWebhookView), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getWebhook', summary: 'One of the caller’s webhooks' })
  @ApiJson(200, 'Webhook', 'The webhook, without its secret')
  @ApiErrors(400, 403, 404)
  async get(@CurrentPerson() caller: Person, @Param() { id }: OutboxIdParam): Promise<WebhookView> {
    return toWebhookView(await this.webhooks.get(caller, id));
  }

  @Delete(':id')
  @ApiOperation({
    operationId: 'deleteWebhook',
    summary: 'Stop a webhook; its pending deliveries end as failed',
  })
  @ApiJson(200, 'Webhook', 'The webhook as it was')
  @ApiErrors(400, 403, 404)
  async delete(
    @CurrentPerson() caller: Person,
    @Param() { id }: OutboxIdParam,
  ): Promise<WebhookView> {
    return toWebhookView(await this.webhooks.delete(caller, id));
  }
}
