import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiJson } from '../openapi/api-responses.js';
import type { Response } from 'express';
import { CurrentPerson } from '../auth/auth.guard.js';
import { BadRequestError, ForbiddenError } from '../common/broker-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { Person } from '../directory/person.js';
import type { CallEventView, CallView } from './call.model.js';
import { joinsCall } from './call-access.js';
import { joinUrlOf } from './call-invite.js';
import { QueuePlacements } from './queue-placements.js';
import { CallsService } from './calls.service.js';
import { CallIdParam } from './dto/call-id.param.js';
import { CreateCallDto, EventsQuery, ListCallsQuery, PAGE_LIMIT } from './dto/create-call.dto.js';

@ApiTags('calls')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('v1/calls')
export class CallsController {
  constructor(
    private readonly calls: CallsService,
    private readonly placements: QueuePlacements,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @ApiOperation({
    operationId: 'createCall',
    summary: 'Ask for an expert call; 201 ringing, 502 xAssist refused, 503 xAssist unreachable',
    description:
      'The broker creates the xAssist call for the technician and answers with the Call, status ringing. ' +
      'When xAssist refuses (502) or cannot be reached (503) the call is kept as failed and the error body carries it. ' +
      "With queueId: 403 urgent_not_allowed for priority urgent from a role the queue's urgentRoles does not name; " +
      "429 queue_share_full when the technician already has the queue's maxQueuedPerTechnician requests waiting; 503 queue_full when it is full.",
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Any 1 to 255 visible ASCII characters (a UUID is fine). Per caller (token subject), for 24 hours: ' +
      'the same key with the same body answers the same call (201, Idempotent-Replayed: true) and creates nothing new, ' +
      'even when both requests arrive at once; the same key with a different body answers 422. After 24 hours the key may be used afresh.',
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
  })
  @ApiJson(201, 'Call', 'The call, ringing (or the earlier call, for a repeated Idempotency-Key)', {
    'Idempotent-Replayed': {
      description:
        'Present, with the value true, when this answer repeats an earlier request with the same Idempotency-Key.',
      schema: { type: 'string', enum: ['true'] },
    },
  })
  @ApiErrors(400, 403, 413, 415, 422)
  @ApiJson(
    429,
    'Error',
    "A quota is used up: the technician holds too many active calls, or the caller created too many calls this minute; or (queue_share_full, no Retry-After) the technician's share of the queue is used up",
    {
      'Retry-After': {
        description: 'Seconds to wait before asking again (also retryAfterSeconds in the body).',
        schema: { type: 'string', pattern: '^[0-9]+$' },
      },
    },
  )
  @ApiJson(502, 'CallCreationError', 'xAssist refused the call; it is kept as failed')
  @ApiJson(
    503,
    'CallCreationError',
    'xAssist could not be reached; the call is kept as failed (or, code unavailable and no call: the identity provider could not be reached)',
  )
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
    return this.placements.view(call);
  }

  @Get()
  @ApiOperation({ operationId: 'listCalls', summary: 'The calls the caller may see, newest first' })
  @ApiJson(200, 'CallPage', 'One page of calls, newest first')
  @ApiErrors(400)
  async list(
    @CurrentPerson() caller: Person,
    @Query() query: ListCallsQuery,
  ): Promise<{ calls: CallView[]; nextCursor: string | null }> {
    const limit = query.limit === undefined ? PAGE_LIMIT.default : Number(query.limit);
    const page = await this.calls.list(caller, {
      status: query.status ?? 'active',
      limit,
      cursor: query.cursor,
      externalRef: query.externalRef,
      search: query.q,
      from: query.from,
      to: query.to,
    });
    return {
      calls: page.calls.map((call) => this.placements.view(call)),
      nextCursor: page.nextCursor,
    };
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getCall', summary: 'One call' })
  @ApiJson(200, 'Call', 'The call')
  @ApiErrors(400, 404)
  async get(@CurrentPerson() caller: Person, @Param() { id }: CallIdParam): Promise<CallView> {
    return this.placements.view(await this.calls.get(caller, id));
  }

  @Get(':id/events')
  @ApiOperation({
    operationId: 'listCallEvents',
    summary: "The call's events after seq afterSeq, in seq order",
  })
  @ApiJson(200, 'CallEventPage', 'The events with seq above afterSeq, oldest first')
  @ApiErrors(400, 404)
  async events(
    @CurrentPerson() caller: Person,
    @Param() { id }: CallIdParam,
    @Query() query: EventsQuery,
  ): Promise<{ callId: string; events: CallEventView[] }> {
    const afterSeq = Number(query.afterSeq ?? 0);
    const { events } = await this.calls.withEvents(caller, id, afterSeq);
    return { callId: id, events };
  }

  @Get(':id/join')
  @ApiOperation({
    operationId: 'getCallJoin',
    summary:
      "How to join the call's xAssist call in a browser (the expert's console asks after accept); only for the call's technician and experts, 403 for others who may see it",
  })
  @ApiJson(200, 'CallJoin', 'The xAssist call and its join URL, each null while unknown')
  @ApiErrors(400, 403, 404)
  async join(
    @CurrentPerson() caller: Person,
    @Param() { id }: CallIdParam,
  ): Promise<{ callId: string; xassistCallId: string | null; joinUrl: string | null }> {
    const call = await this.calls.get(caller, id);
    if (!joinsCall(caller, call))
      throw new ForbiddenError(
        `call ${id} is joined by its technician and its experts only; the others see it without joining`,
      );
    const { xassistCallId } = call;
    const template = this.config.glasses.joinUrlTemplate;
    return {
      callId: id,
      xassistCallId,
      joinUrl: xassistCallId === null ? null : joinUrlOf(xassistCallId, template),
    };
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelCall', summary: 'Stop a call that is not yet connected' })
  @ApiJson(200, 'Call', 'The call, cancelled')
  @ApiErrors(400, 404, 409)
  async cancel(@CurrentPerson() caller: Person, @Param() { id }: CallIdParam): Promise<CallView> {
    return this.placements.view(await this.calls.cancel(caller, id));
  }
}
