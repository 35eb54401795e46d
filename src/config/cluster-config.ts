import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConfigError, type Env, integer, text, url } from './env-readers.js';

/**
 * How this process shares work with other instances (docs/scaling.md). Without REDIS_URL it is
 * the only instance on its database, and start-up refuses a second one; with REDIS_URL and
 * PostgreSQL it is one of several: calls are followed under leases, the cluster-wide jobs run on
 * one leader, and socket events and wake-ups cross instances through Redis.
 */
export interface ClusterConfig {
  /** Set: one of several instances (PostgreSQL only). */
  redisUrl: string | undefined;
  /** Names this process in the instance table, in leases, logs and metrics. */
  instanceId: string;
  /** A lease (a call's, the leader's, an instance's own heartbeat) lapses this long after its last renewal. */
  leaseTtlMs: number;
  /** Leases and the heartbeat are renewed this often: a third of the lease time. */
  heartbeatMs: number;
  /**
   * Starts every Redis key, stream and channel of this deployment (REDIS_KEY_PREFIX), so that two
   * deployments (or two test runs) on one Redis never hear each other.
   */
  redisKeyPrefix: string;
}

const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const REDIS_KEY_PREFIX = /^[A-Za-z0-9._:{}-]{1,100}$/;

/** host-pid-random: unique per process, readable in a log line. */
function defaultInstanceId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 60) || 'broker';
  return `${host}-${process.pid}-${randomBytes(2).toString('hex')}`;
}

export function clusterConfig(env: Env, databaseUrl: string): { cluster: ClusterConfig } {
  const redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:']);
  if (redisUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    // SQLite is one process's file: several instances would each follow every call.
    throw new ConfigError(
      'REDIS_URL runs several instances, which share a PostgreSQL database: set DATABASE_URL to postgres://… or unset REDIS_URL',
    );
  }
  const instanceId = text(env, 'INSTANCE_ID') ?? defaultInstanceId();
  if (!INSTANCE_ID.test(instanceId)) {
    throw new ConfigError(
      `INSTANCE_ID must be 1 to 100 letters, digits and . _ : - (starting with a letter or digit), got "${instanceId}"`,
    );
  }
  const leaseTtlMs = integer(env, 'LEASE_TTL_MS', 15_000, 1_000, 120_000);
  const redisKeyPrefix = text(env, 'REDIS_KEY_PREFIX') ?? 'broker:';
  if (!REDIS_KEY_PREFIX.test(redisKeyPrefix)) {
    throw new ConfigError(
      `REDIS_KEY_PREFIX must be 1 to 100 letters, digits and . _ : - { }, got "${redisKeyPrefix}"`,
    );
  }
  return {
    cluster: {
      redisUrl,
      instanceId,
      leaseTtlMs,
      heartbeatMs: Math.max(250, Math.floor(leaseTtlMs / 3)),
      redisKeyPrefix,
    },
  };
}
