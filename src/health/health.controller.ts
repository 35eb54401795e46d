import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJson } from '../openapi/api-responses.js';
import {
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../auth/auth.guard.js';
import { DatabaseProbe } from '../database/database.module.js';
import { XAssistClient } from '../xassist/xassist-client.port.js';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseProbe,
    private readonly xassist: XAssistClient,
  ) {}

  /** Alive: the process answers. */
  @Public()
  @Get('healthz')
  @ApiOperation({ summary: 'Alive: the process answers' })
  @ApiJson(200, 'HealthCheck', 'Always { "status": "ok" }')
  alive(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready: the database accepts writes, the xAssist circuit is not open and xAssist accepts our login. */
  @Public()
  @Get('readyz')
  @ApiOperation({
    summary: 'Ready: database accepts writes, xAssist circuit not open, login accepted',
  })
  @ApiJson(200, 'HealthCheck', 'Ready to take calls')
  @ApiJson(503, 'HealthCheck', 'Not ready; error names the check that is down')
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        async () => {
          const database = this.indicators.check('database');
          const { up, message } = await this.database.check();
          return up ? database.up() : database.down({ message });
        },
        () => {
          const xassist = this.indicators.check('xassist');
          const { ready, ...state } = this.xassist.readiness();
          return ready ? xassist.up(state) : xassist.down(state);
        },
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
