import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPerson } from '../auth/auth.guard.js';
import type { Person } from '../directory/person.js';
import { ApiErrors, ApiJson } from '../openapi/api-responses.js';
import { ListOffersQuery, OfferIdParam } from './dto/offer.dto.js';
import { RoutedCalls, type OfferWithCall } from './routed-calls.service.js';

@ApiTags('routing')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('v1/offers')
export class OffersController {
  constructor(private readonly routed: RoutedCalls) {}

  @Get()
  @ApiOperation({
    operationId: 'listOffers',
    summary: "The caller's own pending offers, with their calls (experts only)",
  })
  @ApiJson(200, 'OfferList', 'Pending offers, oldest first')
  @ApiErrors(400, 403)
  async list(
    @CurrentPerson() caller: Person,
    @Query() _query: ListOffersQuery,
  ): Promise<{ offers: OfferWithCall[] }> {
    return { offers: await this.routed.pending(caller) };
  }

  @Post(':id/accept')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'acceptOffer',
    summary:
      'Take the call: it becomes yours and is created on xAssist; 409 when another expert was first or the offer expired; 403 own_request for a request you asked for',
  })
  @ApiJson(200, 'OfferAnswer', 'The accepted offer and the call, ringing')
  @ApiErrors(400, 403, 404, 409)
  @ApiJson(
    502,
    'CallCreationError',
    'xAssist refused the call; it stays queued and is offered again',
  )
  @ApiJson(
    503,
    'CallCreationError',
    'xAssist could not be reached; the call stays queued (or, code unavailable and no call: the identity provider could not be reached)',
  )
  async accept(
    @CurrentPerson() caller: Person,
    @Param() { id }: OfferIdParam,
  ): Promise<OfferWithCall> {
    return this.routed.accept(caller, id);
  }

  @Post(':id/decline')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'declineOffer',
    summary: 'Pass: the call is offered to the next expert, never to you again',
  })
  @ApiJson(200, 'OfferAnswer', 'The declined offer and the call')
  @ApiErrors(400, 403, 404, 409)
  async decline(
    @CurrentPerson() caller: Person,
    @Param() { id }: OfferIdParam,
  ): Promise<OfferWithCall> {
    return this.routed.decline(caller, id);
  }
}
