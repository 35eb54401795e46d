import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** DI token: the shared Redis connection when REDIS_URL is set, else null (one instance). */
export const REDIS = Symbol('REDIS');

/**
 * One command connection for the process. A command never queues while Redis is away
 * (enableOfflineQueue off) and fails after one try, so a Redis outage costs a failed publish or
 * a fallback, never a commit that waits on Redis: the database is the source of truth.
 * ioredis reconnects by itself; the outage is logged once when it begins and once when it ends.
 */
export function connectRedis(url: string, logger: Logger, name: string): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
  });
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
