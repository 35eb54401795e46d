import { ConfigError, type Env, integer } from './env-readers.js';

/**
 * How long the broker waits on PostgreSQL before it answers 503 storage_unavailable, so that a
 * database outage (a blackhole, a failover, a refused port) is a few seconds of 503s and then
 * heals by itself, never a broker that hangs until a restart (docs/deploy.md, "Database
 * timeouts"). SQLite runs in the process and uses none of them, except the /readyz deadline.
 */
export interface DatabaseSettings {
  /** Opening a connection, or waiting for a free one of the pool's 10. */
  connectTimeoutMs: number;
  /** A connection unused this long is closed. */
  idleTimeoutMs: number;
  /** The client gives up on a query's answer (and the connection) after this. */
  queryTimeoutMs: number;
  /** The server cancels a statement after this (statement_timeout); shorter than the query's. */
  statementTimeoutMs: number;
  /** TCP keepalive on each connection starts probing after this much silence. */
  keepAliveMs: number;
  /** /readyz answers 503 when the database's check has not finished within this. */
  readyTimeoutMs: number;
}

export function databaseConfig(env: Env): { database: DatabaseSettings } {
  const queryTimeoutMs = integer(env, 'DATABASE_QUERY_TIMEOUT_MS', 15_000, 100, 3_600_000);
  const statementTimeoutMs = integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 10_000, 100, 3_600_000);
  if (statementTimeoutMs >= queryTimeoutMs) {
    // Else a slow statement would look like a lost connection and cost the connection.
    throw new ConfigError(
      `DATABASE_STATEMENT_TIMEOUT_MS (${statementTimeoutMs}) must be shorter than DATABASE_QUERY_TIMEOUT_MS (${queryTimeoutMs})`,
    );
  }
  return {
    database: {
      connectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000),
      idleTimeoutMs: integer(env, 'DATABASE_IDLE_TIMEOUT_MS', 10_000, 100, 3_600_000),
      queryTimeoutMs,
      statementTimeoutMs,
      keepAliveMs: integer(env, 'DATABASE_KEEPALIVE_MS', 10_000, 100, 3_600_000),
      readyTimeoutMs: integer(env, 'DATABASE_READY_TIMEOUT_MS', 2_000, 100, 600_000),
    },
  };
}
