import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPerson } from '../auth/auth.guard.js';
import { BadRequestError } from '../common/broker-error.js';
import type { Person } from '../directory/person.js';
import { toCallView, type CallEventView, type CallView } from './call.model.js';
import { CallsService } from './calls.service.js';
import { CallIdParam } from './dto/call-id.param.js';
import { CreateCallDto, EventsQuery, ListCallsQuery, PAGE_LIMIT } from './dto/create-call.dto.js';

@ApiTags('calls')
@ApiBearerAuth()
@Controller('v1/calls')
export class CallsController {
  constructor(private readonly calls: CallsService) {}

  @Post()
  @ApiOperation({
    summary: 'Ask for an expert call; 201 ringing, 502 xAssist refused, 503 xAssist unreachable',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async create(
    @CurrentPerson() caller: Person,
    @Body() body: CreateCallDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CallView> {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new BadRequestError('Idempotency-Key must be 1 to 255 visible ASCII characters');
    }
    const { call, replayed } = await this.calls.create(caller, body, idempotencyKey);
    if (replayed) response.setHeader('Idempotent-Replayed', 'true');
    return toCallView(call);
  }

  @Get()
  @ApiOperation({ summary: 'The calls the caller may see, newest first' })
  async list(
    @CurrentPerson() caller: Person,
    @Query() query: ListCallsQuery,
  ): Promise<{ calls: CallView[]; nextCursor: string | null }> {
    const limit = query.limit === undefined ? PAGE_LIMIT.default : Number(query.limit);
    const page = await this.calls.list(
      caller,
      query.status ?? 'active',
      limit,
      query.cursor,
      query.externalRef,
    );
    return { calls: page.calls.map(toCallView), nextCursor: page.nextCursor };
  }

  @Get(':id')
  async get(@CurrentPerson() caller: Person, @Param() { id }: CallIdParam): Promise<CallView> {
    return toCallView(await this.calls.get(caller, id));
  }

  @Get(':id/events')
  @ApiOperation({ summary: "The call's events after seq afterSeq, in seq order" })
  async events(
    @CurrentPerson() caller: Person,
    @Param() { id }: CallIdParam,
    @Query() query: EventsQuery,
  ): Promise<{ callId: string; events: CallEventView[] }> {
    const afterSeq = Number(query.afterSeq ?? 0);
    const { events } = await this.calls.withEvents(caller, id, afterSeq);
    return { callId: id, events };
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop a call that is not yet connected' })
  async cancel(@CurrentPerson() caller: Person, @Param() { id }: CallIdParam): Promise<CallView> {
    return toCallView(await this.calls.cancel(caller, id));
  }
}
