import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { requireRedis } from '../../test/support/environment.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { connectRedis, REDIS } from '../cluster/redis-connection.js';
import { DatabaseProbe } from '../database/database.module.js';
import { XAssistClient, type XAssistReadiness } from '../xassist/xassist-client.port.js';
import { HealthController } from './health.controller.js';

const redisServer = await requireRedis('/readyz with Redis');

describe('HealthController /readyz', () => {
  const opened: Redis[] = [];

  async function controllerWith(
    redis: Redis | null,
    readiness: Partial<XAssistReadiness> = { ready: true },
  ): Promise<HealthController> {
    const module = await Test.createTestingModule({
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [
        { provide: DatabaseProbe, useValue: { check: async () => ({ up: true }) } },
        { provide: XAssistClient, useValue: { readiness: () => readiness } },
        { provide: REDIS, useValue: redis },
      ],
    }).compile();
    return module.get(HealthController);
  }

  async function ready(controller: HealthController) {
    let status = 200;
    const response = { status: (code: number) => (status = code) } as unknown as Response;
    const body = await controller.ready(response);
    return { status, body };
  }

  function redisAt(url: string): Redis {
    const redis = connectRedis(url, capturedLogger('silent').logger, 'test:readyz');
    opened.push(redis);
    return redis;
  }

  afterEach(() => {
    for (const redis of opened.splice(0)) redis.disconnect();
  });

  it('checks no Redis when there is none (one instance)', async () => {
    const { status, body } = await ready(await controllerWith(null));
    expect(status).toBe(200);
    expect(Object.keys(body.details)).toEqual(['instance', 'database', 'xassist']);
  });

  it('shows the xAssist request budget, and stays ready while polls are stretched', async () => {
    const budget = {
      perSecond: 50,
      stretched: true,
      periodsMs: { ringing: 1_400, connected: 21_000 },
      waiting: { create: 0, ringing: 70, connected: 12, background: 1 },
    };
    const readiness = { ready: true, circuit: 'closed' as const, login: 'ok' as const, budget };
    const { status, body } = await ready(await controllerWith(null, readiness));
    expect(status).toBe(200);
    expect(body.details.xassist).toEqual({
      status: 'up',
      circuit: 'closed',
      login: 'ok',
      budget,
    });
  });

  (redisServer ? it : it.skip)('is ready when Redis answers a PING', async () => {
    const redis = redisAt(redisServer!.url);
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
    const { status, body } = await ready(await controllerWith(redis));
    expect(status).toBe(200);
    expect(body.details.redis).toEqual({ status: 'up' });
  });

  it('answers 503 with redis down, at once, when Redis cannot be reached', async () => {
    const { status, body } = await ready(await controllerWith(redisAt('redis://127.0.0.1:1')));
    expect(status).toBe(503);
    expect(body.error?.redis).toMatchObject({ status: 'down' });
  });

  it('answers 503 from the moment shutdown begins', async () => {
    const controller = await controllerWith(null);
    expect((await ready(controller)).status).toBe(200);
    controller.beginShutdown();
    const { status, body } = await ready(controller);
    expect(status).toBe(503);
    expect(body.error?.instance).toEqual({ status: 'down', message: 'shutting down' });
  });
});
