import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/** DI token: the shared Redis connection when REDIS_URL is set, else null (one instance). */
export const REDIS = Symbol('REDIS');

/** A command on the shared connection that has no answer by then has failed. */
export const COMMAND_TIMEOUT_MS = 2_000;

/**
 * One command connection for the process. A command never queues while Redis is away
 * (enableOfflineQueue off) and fails after one try, so a Redis outage costs a failed publish or
 * a fallback, never a commit that waits on Redis: the database is the source of truth. A Redis
 * that silently drops packets fails commands after COMMAND_TIMEOUT_MS too (a socket.io room emit
 * waits for its XADD before it reaches this instance's own sockets).
 * ioredis reconnects by itself; the outage is logged once when it begins and once when it ends.
 */
export function connectRedis(url: string, logger: Logger, name: string): Redis {
  return logOutages(
    new Redis(url, {
      connectionName: name,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy,
    }),
    logger,
  );
}

/**
 * A connection that only listens (SUBSCRIBE, or a blocking XREAD in a loop). Unlike the command
 * connection its commands wait for Redis to come back instead of failing at once: a listening
 * loop that retried a failing read straight away would spin on rejected promises and starve the
 * event loop, and a SUBSCRIBE sent before the first connect would be lost. ioredis subscribes
 * again by itself after every reconnect.
 */
export function connectRedisListener(
  url: string,
  logger: Logger,
  name: string,
  options: RedisOptions = {},
): Redis {
  return logOutages(
    new Redis(url, {
      connectionName: name,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      retryStrategy,
      ...options,
    }),
    logger,
  );
}

function retryStrategy(attempt: number): number {
  return Math.min(100 * attempt, 2_000);
}

/** An outage is logged once when it begins and once when it ends (an error listener also keeps ioredis from throwing). */
function logOutages(redis: Redis, logger: Logger): Redis {
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error.message }, 'Redis is unreachable; retrying');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('Redis is reachable again');
  });
  return redis;
}
