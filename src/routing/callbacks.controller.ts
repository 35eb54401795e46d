import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPerson } from '../auth/auth.guard.js';
import { CallIdParam } from '../calls/dto/call-id.param.js';
import type { CallView } from '../calls/call.model.js';
import type { Person } from '../directory/person.js';
import { ApiErrors, ApiJson } from '../openapi/api-responses.js';
import { Callbacks } from './callbacks.service.js';

@ApiTags('routing')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('v1/calls')
export class CallbacksController {
  constructor(private readonly callbacks: Callbacks) {}

  @Post(':id/callback')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'takeCallback',
    summary:
      "Call the technician back: the pending callback becomes the caller's call and is created on xAssist for the technician; 409 when it is not (or no longer) pending, e.g. another expert was first; 403 without the queue's skills or for your own request",
  })
  @ApiJson(200, 'Call', 'The call, ringing (the glasses ring once you joined)')
  @ApiErrors(400, 403, 404, 409)
  @ApiJson(502, 'CallCreationError', 'xAssist refused the call; the callback stays pending')
  @ApiJson(
    503,
    'CallCreationError',
    'xAssist could not be reached; the callback stays pending (or, code unavailable and no call: the identity provider could not be reached)',
  )
  async take(@CurrentPerson() caller: Person, @Param() { id }: CallIdParam): Promise<CallView> {
    return this.callbacks.take(caller, id);
  }
}
