import 'reflect-metadata';
import { BadRequestException, ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { setupOpenApi } from './api-docs/openapi-document.js';
import { MAX_BODY_BYTES } from './common/limits.js';
import { describeValidationErrors } from './common/validation.js';
import type { AppConfig } from './config/app-config.js';
import { TimedExpressAdapter } from './edge/http-server.js';
import { securityHeaders } from './edge/security-headers.js';
import { BrokerIoAdapter } from './edge/socket-io-server.js';
import { ioCluster } from './edge/socket-io-redis.js';
import { REDIS } from './cluster/redis-connection.js';
import type { Redis } from 'ioredis';
import { httpLogger } from './logging/http-logging.js';
import { PinoNestLogger } from './logging/logger.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON keys that could poison prototypes are refused while parsing, before anything sees them. */
function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError(`the key "${key}" is not allowed`);
  // The reviver sees the top-level value last, under the empty key.
  if (key === '' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new SyntaxError('the body must be a JSON object');
  }
  return value;
}

/** Builds the broker (not yet listening); main.ts and the end-to-end tests share it. */
export async function createBrokerApp(
  config: AppConfig,
  logger: Logger,
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, logger),
    new TimedExpressAdapter(config.http),
    { logger: new PinoNestLogger(logger), bodyParser: false, abortOnError: false },
  );
  app.disable('x-powered-by');
  app.use(securityHeaders);
  // Several instances: socket.io shares rooms and sessions through Redis (edge/socket-io-redis.ts).
  const redis = app.get<symbol, Redis | null>(REDIS, { strict: false });
  const cluster = redis === null ? undefined : ioCluster(config.cluster, redis, logger);
  app.useWebSocketAdapter(new BrokerIoAdapter(app, cluster));
  app.use(httpLogger(logger));
  app.useBodyParser('json', { limit: MAX_BODY_BYTES, reviver: refusePrototypeKeys });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      exceptionFactory: (errors) =>
        new BadRequestException(describeValidationErrors(errors).join('; ')),
    }),
  );
  setupOpenApi(app);
  app.enableShutdownHooks();
  await app.init();
  return app;
}
