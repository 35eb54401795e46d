import {
  Controller,
  Get,
  Inject,
  Res,
  ServiceUnavailableException,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJson } from '../openapi/api-responses.js';
import {
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../auth/auth.guard.js';
import { REDIS } from '../cluster/redis-connection.js';
import { DatabaseProbe } from '../database/database.module.js';
import { XAssistClient } from '../xassist/xassist-client.port.js';

/** A PING slower than this counts as Redis down (the command connection fails at once when it is away). */
const REDIS_READY_TIMEOUT_MS = 1_000;

@ApiTags('operations')
@Controller()
export class HealthController implements OnModuleDestroy {
  private stopping = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseProbe,
    private readonly xassist: XAssistClient,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  /**
   * Shutdown began (SIGTERM, main.ts, or the app closing): not ready from now on, so a load
   * balancer stops sending new clients while the instance finishes its work.
   */
  beginShutdown(): void {
    this.stopping = true;
  }

  onModuleDestroy(): void {
    this.beginShutdown();
  }

  /** Alive: the process answers. */
  @Public()
  @Get('healthz')
  @ApiOperation({ operationId: 'checkAlive', summary: 'Alive: the process answers' })
  @ApiJson(200, 'HealthCheck', 'Always { "status": "ok" }')
  alive(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Ready: not shutting down, the database accepts writes, the xAssist circuit is not open and
   * xAssist accepts our login; with several instances, Redis answers a PING. The xassist detail
   * shows the request budget (budget.stretched: polls later than their slowest cadence), which
   * never makes the instance unready: every call is still followed, only less often.
   */
  @Public()
  @Get('readyz')
  @ApiOperation({
    operationId: 'checkReady',
    summary: 'Ready: database accepts writes, xAssist circuit not open, login accepted',
  })
  @ApiJson(200, 'HealthCheck', 'Ready to take calls')
  @ApiJson(503, 'HealthCheck', 'Not ready; error names the check that is down')
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => {
          const instance = this.indicators.check('instance');
          return this.stopping ? instance.down({ message: 'shutting down' }) : instance.up();
        },
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
        ...(this.redis === null ? [] : [() => this.redisCheck(this.redis!)]),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  private async redisCheck(redis: Redis) {
    const indicator = this.indicators.check('redis');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('no answer in time')), REDIS_READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([redis.ping(), deadline]);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }
}
