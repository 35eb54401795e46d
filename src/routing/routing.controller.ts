import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiJson } from '../openapi/api-responses.js';
import { CurrentPerson } from '../auth/auth.guard.js';
import type { Person } from '../directory/person.js';
import { SetPresenceDto } from './dto/set-presence.dto.js';
import { PresenceService } from './presence.service.js';
import { ownPresenceView, type OwnPresenceView } from './routing.model.js';
import {
  RoutingOverviewService,
  type ExpertView,
  type QueueView,
} from './routing-overview.service.js';

@ApiTags('routing')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('v1')
export class RoutingController {
  constructor(
    private readonly presence: PresenceService,
    private readonly overview: RoutingOverviewService,
  ) {}

  @Put('presence/me')
  @ApiOperation({
    operationId: 'setOwnPresence',
    summary: 'An expert says whether they take calls: available or away (403 for others)',
  })
  @ApiJson(200, 'OwnPresence', "The expert's presence now")
  @ApiErrors(400, 403)
  async setOwnPresence(
    @CurrentPerson() caller: Person,
    @Body() body: SetPresenceDto,
  ): Promise<OwnPresenceView> {
    return ownPresenceView(await this.presence.set(caller, body.status));
  }

  @Get('experts')
  @ApiOperation({
    operationId: 'listExperts',
    summary: "Every expert's presence, skills, current call and idle time (not for technicians)",
  })
  @ApiJson(200, 'ExpertList', 'Every expert in the directory')
  @ApiErrors(403)
  async experts(@CurrentPerson() caller: Person): Promise<{ experts: ExpertView[] }> {
    return { experts: await this.overview.experts(caller) };
  }

  @Get('queues')
  @ApiOperation({
    operationId: 'listQueues',
    summary: 'Each queue with its waiting count, longest wait and available experts',
  })
  @ApiJson(200, 'QueueList', 'Every queue in the directory')
  async queues(@CurrentPerson() caller: Person): Promise<{ queues: QueueView[] }> {
    return { queues: await this.overview.queues(caller) };
  }
}
