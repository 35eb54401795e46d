import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPerson } from '../auth/auth.guard.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/broker-error.js';
import { Clock } from '../common/clock.js';
import { hasRole } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import { ApiErrors, ApiJson } from '../openapi/api-responses.js';
import { OutboxStore } from '../outbox/kysely-outbox.store.js';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service.js';
import { toDeliveryView, type DeliveryView } from './delivery-view.js';
import { DELIVERY_PAGE, ListDeliveriesQuery, OutboxIdParam } from './dto/webhook.dto.js';

/** Supervisors see every delivery; an integration those of its own webhooks. */
function ownerScope(caller: Person): string | null {
  if (hasRole(caller, 'supervisor')) return null;
  if (hasRole(caller, 'integration')) return caller.id;
  throw new ForbiddenError('only integrations and supervisors may see deliveries');
}

@ApiTags('webhooks')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(
    private readonly store: OutboxStore,
    private readonly dispatcher: OutboxDispatcher,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'listDeliveries',
    summary: 'Webhook deliveries, newest first: ?status=failed shows what is stuck',
  })
  @ApiJson(200, 'DeliveryList', 'Newest first, at most limit')
  @ApiErrors(400, 403)
  async list(
    @CurrentPerson() caller: Person,
    @Query() query: ListDeliveriesQuery,
  ): Promise<{ deliveries: DeliveryView[] }> {
    const deliveries = await this.store.list({
      status: query.status ?? null,
      ownerId: ownerScope(caller),
      limit: query.limit === undefined ? DELIVERY_PAGE.default : Number(query.limit),
    });
    return { deliveries: deliveries.map(toDeliveryView) };
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'retryDelivery',
    summary: 'Try a failed delivery again, with a fresh count of attempts',
  })
  @ApiJson(200, 'Delivery', 'The delivery, pending again')
  @ApiErrors(400, 403, 404, 409)
  async retry(
    @CurrentPerson() caller: Person,
    @Param() { id }: OutboxIdParam,
  ): Promise<DeliveryView> {
    const owner = ownerScope(caller);
    const delivery = await this.store.find(id);
    if (!delivery || (owner !== null && delivery.ownerId !== owner))
      throw new NotFoundError(`delivery ${id} not found`);
    if (!(await this.store.retry(id, this.clock.isoNow())))
      throw new ConflictError(
        `delivery ${id} is ${delivery.status}; only a failed one can be retried`,
      );
    this.dispatcher.wake();
    return toDeliveryView((await this.store.find(id))!);
  }
}
