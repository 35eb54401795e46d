import type { PostgresPool, PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { DatabaseSettings } from '../config/database-config.js';
import {
  connectionFailureKind,
  DatabaseConnectionError,
  type ConnectionFailureKind,
} from '../common/storage-failure.js';

/** Connections to PostgreSQL at once (the broker is one instance; see docs/deploy.md). */
const MAX_CONNECTIONS = 10;

/**
 * Logs an outage of the database once when it begins and once when the next query works again,
 * not once per refused request or per query (every request answers 503 meanwhile). A failure of
 * an attempt that began before the database answered again is the end of that outage (a
 * connection opened during a blackhole times out after it), not the start of a new one.
 */
export class OutageLog {
  private failures = 0;
  private since = 0;
  private answeredAt = 0;

  constructor(private readonly logger?: Logger) {}

  failed(error: DatabaseConnectionError, startedAt: number): void {
    if (startedAt < this.answeredAt && this.failures === 0) return;
    if (this.failures++ > 0) return;
    this.since = Date.now();
    this.logger?.error(
      { err: error, storage: error.kind, code: error.driverCode },
      'the database cannot be reached or does not answer in time: requests answer 503 storage_unavailable until it does',
    );
  }

  answered(): void {
    this.answeredAt = Date.now();
    if (this.failures === 0) return;
    this.logger?.info(
      { failures: this.failures, outageMs: this.answeredAt - this.since },
      'the database answers again',
    );
    this.failures = 0;
  }
}

/**
 * A checked-out connection that lost its server stays lost: pg keeps a query whose read timed out
 * as the connection's active one, so every later query on it would wait for an answer that never
 * comes. After such a failure every query on it (the ROLLBACK first) fails at once with the same
 * error, and its release removes it from the pool instead of lending it again.
 */
class HealingClient {
  private lost?: DatabaseConnectionError;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly outages: OutageLog,
  ) {}

  query(...args: unknown[]): unknown {
    if (this.lost) return Promise.reject(this.lost);
    const startedAt = Date.now();
    const answer = (this.client.query as (...a: unknown[]) => unknown)(...args);
    if (!(answer instanceof Promise)) return answer; // a cursor: read on its own
    return answer.then(
      (result: unknown) => (this.outages.answered(), result),
      (error: unknown) => {
        const kind = connectionFailureKind(error);
        if (!kind) throw error;
        // A statement cancelled by statement_timeout leaves a sound connection; the others do not.
        const failure = new DatabaseConnectionError(kind, error);
        if (!isCancelledStatement(error)) this.lost = failure;
        this.outages.failed(failure, startedAt);
        throw failure;
      },
    );
  }

  release(): void {
    this.client.release(this.lost ?? undefined);
  }
}

function isCancelledStatement(error: unknown): boolean {
  return (error as { code?: unknown }).code === '57014';
}

/** The pool with its failures typed, its lost connections dropped, and outages logged once. */
class HealingPool implements PostgresPool {
  private readonly clients = new WeakMap<pg.PoolClient, HealingClient>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly outages: OutageLog,
  ) {}

  async connect(): Promise<PostgresPoolClient> {
    let client: pg.PoolClient;
    const startedAt = Date.now();
    try {
      client = await this.pool.connect();
    } catch (error) {
      const kind: ConnectionFailureKind | undefined = connectionFailureKind(error);
      if (!kind) throw error;
      const failure = new DatabaseConnectionError(kind, error);
      this.outages.failed(failure, startedAt);
      throw failure;
    }
    let healing = this.clients.get(client);
    if (!healing) this.clients.set(client, (healing = new HealingClient(client, this.outages)));
    return healing as unknown as PostgresPoolClient;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * pg's pool with every wait bounded (docs/deploy.md, "Database timeouts"): opening a connection
 * or waiting for a free one, each query's answer (client side) and each statement (server side),
 * a transaction left idle (server side, so a broker that lost its connection mid-transaction does
 * not hold its locks for ever), and TCP keepalive so an idle connection to a vanished server is
 * noticed. `settings` undefined: no timeouts (migrations, which may legitimately take long).
 */
export function healingPool(
  url: string,
  settings: DatabaseSettings | undefined,
  logger?: Logger,
): PostgresPool {
  const pool = new pg.Pool({
    connectionString: url,
    max: MAX_CONNECTIONS,
    ...(settings && {
      connectionTimeoutMillis: settings.connectTimeoutMs,
      idleTimeoutMillis: settings.idleTimeoutMs,
      query_timeout: settings.queryTimeoutMs,
      statement_timeout: settings.statementTimeoutMs,
      idle_in_transaction_session_timeout: settings.queryTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: settings.keepAliveMs,
    }),
  });
  // pg emits 'error' on a client whose connection fails, idle in the pool (a server restart, an
  // admin, a reset) or checked out (ECONNRESET mid-query, also reported to the query itself).
  // Without a listener either crashes the process; the query's own error is what counts, and the
  // pool drops a client that is no longer queryable.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new HealingPool(pool, new OutageLog(logger));
}
