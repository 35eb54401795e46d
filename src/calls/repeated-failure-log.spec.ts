import { capturedLogger } from '../../test/support/log-capture.js';
import { DatabaseConnectionError } from '../common/storage-failure.js';
import { RepeatedFailureLog } from './repeated-failure-log.js';

const levels = (lines: string[]) => lines.map((line) => JSON.parse(line).level as number);
const [DEBUG, WARN, ERROR] = [20, 40, 50];

describe('RepeatedFailureLog', () => {
  it('logs a streak once at its level, and its count at the next level down when it ends', () => {
    const { logger, lines } = capturedLogger();
    const log = new RepeatedFailureLog(logger, 'error', 'recording a poll failed');
    for (let i = 0; i < 3; i++) log.failed('c1', new Error('constraint violated'));
    log.succeeded('c1');
    expect(levels(lines)).toEqual([ERROR, WARN]);
    expect(JSON.parse(lines[1])).toMatchObject({ times: 3, callId: 'c1' });
  });

  it("keeps every call's streak at debug while the database is away: its pool logs the outage once", () => {
    const { logger, lines } = capturedLogger();
    const log = new RepeatedFailureLog(logger, 'error', 'recording a poll failed');
    const away = new DatabaseConnectionError('unreachable', new Error('connect ECONNREFUSED'));
    for (const callId of ['c1', 'c2', 'c3']) {
      log.failed(callId, away);
      log.failed(callId, away);
      log.succeeded(callId);
    }
    expect(levels(lines)).toEqual(Array(6).fill(DEBUG));
  });
});
