import { BrokerError } from './broker-error.js';

export type StorageFailureKind = 'full' | 'read_only' | 'io_error' | 'unreachable' | 'timeout';

/** Kinds that say the database could not be talked to (rather than that it refused a write). */
export type ConnectionFailureKind = Extract<StorageFailureKind, 'unreachable' | 'timeout'>;

const MESSAGES: Record<StorageFailureKind, string> = {
  full: 'the broker cannot store data: its database disk is full',
  read_only: 'the broker cannot store data: its database is read-only',
  io_error: 'the broker cannot store data: its database reports an I/O error',
  unreachable: 'the broker cannot store data: its database cannot be reached',
  timeout: 'the broker cannot store data: its database did not answer in time',
};

/** Node's codes for a connection that could not be opened or was lost. */
const LOST_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * What pg says, without a code, when a connection was lost or a wait ran out (pg 8 and pg-pool 3:
 * "Connection terminated unexpectedly", "... due to connection timeout", "timeout expired" while
 * connecting, "Query read timeout" (query_timeout), "timeout exceeded when trying to connect"
 * (no pooled connection free within connectionTimeoutMillis)).
 */
const LOST_CONNECTION_MESSAGES: [RegExp, ConnectionFailureKind][] = [
  [/^Connection terminated/, 'unreachable'],
  [/^timeout expired$/, 'unreachable'],
  [/^Client has encountered a connection error and is not queryable$/, 'unreachable'],
  [/^Query read timeout$/, 'timeout'],
  [/^timeout exceeded when trying to connect$/, 'timeout'],
];

/**
 * Whether a PostgreSQL driver error says the server could not be talked to: Node's connection
 * codes, SQLSTATE class 08 (connection exception), 57P01-57P05 (the server shut down, crashed,
 * cannot take connections yet, the database was dropped, an idle session ended), 57014 (a
 * statement ran past statement_timeout) and pg's own messages. Only errors from the database
 * driver are asked (DatabaseConnectionError), so xAssist's ECONNREFUSED is never read as storage.
 */
export function connectionFailureKind(error: unknown): ConnectionFailureKind | undefined {
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    const { code, message } = cause as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (LOST_CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return 'unreachable';
      if (/^57P0[1-5]$/.test(code)) return 'unreachable';
      if (code === '57014') return 'timeout';
    }
    if (typeof message === 'string') {
      const found = LOST_CONNECTION_MESSAGES.find(([pattern]) => pattern.test(message));
      if (found) return found[1];
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A database query or connection that failed because the server could not be talked to; the
 * driver's own error is its `cause`. Raised by the PostgreSQL pool (src/database/healing-pool.ts).
 */
export class DatabaseConnectionError extends Error {
  override name = 'DatabaseConnectionError';

  constructor(
    readonly kind: ConnectionFailureKind,
    cause: unknown,
  ) {
    // The driver's own words ("connect ECONNREFUSED ...") follow in the log as the cause's.
    super(
      kind === 'unreachable'
        ? 'the database cannot be reached'
        : 'the database did not answer in time',
      { cause },
    );
  }

  /** The first code along the cause chain (ECONNREFUSED, 57P01...), for logs and /readyz. */
  get driverCode(): string {
    for (let cause = this.cause, depth = 0; cause && depth < 5; depth++) {
      const { code } = cause as { code?: unknown };
      if (typeof code === 'string') return code;
      cause = (cause as { cause?: unknown }).cause;
    }
    return 'no code';
  }
}

/**
 * What a database or file-system error code says about storage, if anything: SQLite's
 * SQLITE_FULL / SQLITE_READONLY* / SQLITE_IOERR* (better-sqlite3 sets `code`), Node's ENOSPC /
 * EROFS / EIO, PostgreSQL's SQLSTATE 53100 (disk_full), 25006 (read_only_sql_transaction) and
 * 58030 (io_error).
 */
export function storageFailureKind(code: string): StorageFailureKind | undefined {
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100') return 'full';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === '25006')
    return 'read_only';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO' || code === '58030') return 'io_error';
  return undefined;
}

/** The storage failure behind `error` (its `cause` chain included), if it is one. */
export function storageFailureOf(error: unknown): StorageFailureKind | undefined {
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    if (cause instanceof DatabaseConnectionError) return cause.kind;
    const code = (cause as { code?: unknown }).code;
    const kind = typeof code === 'string' ? storageFailureKind(code) : undefined;
    if (kind) return kind;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The database cannot be talked to for now (unreachable, or no answer in time): its pool logs
 * the outage once when it begins and once when it ends (src/database/healing-pool.ts), so what
 * fails meanwhile, again and again, logs at debug level instead of a line each.
 */
export function databaseIsAway(error: unknown): boolean {
  const kind = storageFailureOf(error);
  return kind === 'unreachable' || kind === 'timeout';
}

/**
 * 503 `storage_unavailable`: the database refuses writes (disk full, read-only, I/O error) or
 * cannot be talked to (unreachable, timeout). Not the client's fault and not a bug: an operator must act; the request may be sent again later.
 * The database's own error is its `cause`, for the log.
 */
export class StorageUnavailableError extends BrokerError {
  override name = 'StorageUnavailableError';
  readonly httpStatus = 503;
  override readonly code = 'storage_unavailable';

  constructor(
    readonly kind: StorageFailureKind,
    options?: { cause?: unknown },
  ) {
    super(`${MESSAGES[kind]}; try again later`, options);
    this.details.storage = kind;
  }

  /** The typed error for a storage failure, or undefined for any other error. */
  static from(error: unknown): StorageUnavailableError | undefined {
    if (error instanceof StorageUnavailableError) return error;
    const kind = storageFailureOf(error);
    return kind ? new StorageUnavailableError(kind, { cause: error }) : undefined;
  }
}
