import { BrokerError } from './broker-error.js';

export type StorageFailureKind = 'full' | 'read_only' | 'io_error';

const MESSAGES: Record<StorageFailureKind, string> = {
  full: 'the broker cannot store data: its database disk is full',
  read_only: 'the broker cannot store data: its database is read-only',
  io_error: 'the broker cannot store data: its database reports an I/O error',
};

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
    const code = (cause as { code?: unknown }).code;
    const kind = typeof code === 'string' ? storageFailureKind(code) : undefined;
    if (kind) return kind;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * 503 `storage_unavailable`: the database refuses writes (disk full, read-only, I/O error). Not
 * the client's fault and not a bug: an operator must act; the request may be sent again later.
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
