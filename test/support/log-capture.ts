import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../../src/logging/logger.js';

export interface CapturedLog {
  logger: Logger;
  lines: string[];
  /**
   * The first line (already logged or still to come) that `matches`. The access log writes its
   * line when the server sees the response finish, which can come after the client has read the
   * answer: a test that reads the access log waits here instead of reading `lines` at once.
   */
  line(matches: (line: string) => boolean, timeoutMs?: number): Promise<string>;
}

/** A real pino logger (with the production redaction) whose lines are kept for assertions. */
export function capturedLogger(level = 'debug'): CapturedLog {
  const lines: string[] = [];
  const waiting = new Set<(line: string) => void>();
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        lines.push(line);
        for (const notify of [...waiting]) notify(line);
      }
      done();
    },
  });
  const line = (matches: (line: string) => boolean, timeoutMs = 5000) =>
    new Promise<string>((resolve, reject) => {
      const found = lines.find(matches);
      if (found !== undefined) return resolve(found);
      const timer = setTimeout(() => {
        waiting.delete(notify);
        reject(new Error(`no such log line within ${timeoutMs} ms`));
      }, timeoutMs);
      const notify = (next: string) => {
        if (!matches(next)) return;
        clearTimeout(timer);
        waiting.delete(notify);
        resolve(next);
      };
      waiting.add(notify);
    });
  return { logger: createLogger(level, sink), lines, line };
}
