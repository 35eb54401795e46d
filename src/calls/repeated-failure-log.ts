import type { Logger } from 'pino';
import { databaseIsAway } from '../common/storage-failure.js';

interface Streak {
  message: string;
  count: number;
  /** The database is away: its pool logs the outage once, so every call's streak stays at debug. */
  quiet: boolean;
}

/**
 * Logs a failure that repeats (every poll of a stuck call) once, then counts the repeats and says
 * how many there were when the streak ends: on success, on a different failure, or when the call is
 * no longer followed. Keeps the log readable when one call fails 20 times a second.
 */
export class RepeatedFailureLog {
  private readonly streaks = new Map<string, Streak>();

  constructor(
    private readonly logger: Logger,
    private readonly level: 'warn' | 'error',
    /** What failed, as a log message: "polling xAssist failed". */
    private readonly what: string,
  ) {}

  /** `sameAs` names the failure when its message changes while it repeats (a countdown in it). */
  failed(callId: string, error: unknown, sameAs?: string): void {
    const message = sameAs ?? (error instanceof Error ? error.message : String(error));
    const streak = this.streaks.get(callId);
    if (streak?.message === message) {
      streak.count++;
      return;
    }
    if (streak) this.end(callId, 'it now fails differently');
    const quiet = databaseIsAway(error);
    this.streaks.set(callId, { message, count: 1, quiet });
    this.logger[quiet ? 'debug' : this.level](
      { callId, err: error, error: error instanceof Error ? error.message : String(error) },
      `${this.what}; will try again (repeats are counted, not logged)`,
    );
  }

  succeeded(callId: string): void {
    this.end(callId, 'it works again');
  }

  /** The call is no longer followed. */
  forget(callId: string): void {
    this.end(callId, 'the call is no longer followed');
  }

  private end(callId: string, why: string): void {
    const streak = this.streaks.get(callId);
    if (!streak) return;
    this.streaks.delete(callId);
    if (streak.count > 1) {
      this.logger[streak.quiet ? 'debug' : this.level === 'error' ? 'warn' : 'info'](
        { callId, error: streak.message, times: streak.count },
        `${this.what} ${streak.count} time(s) in a row; ${why}`,
      );
    }
  }
}
