import { jest } from '@jest/globals';
import type { Logger } from 'pino';
import { DatabaseConnectionError } from '../common/storage-failure.js';
import { OutageLog } from './healing-pool.js';

describe('OutageLog', () => {
  const refused = new DatabaseConnectionError(
    'unreachable',
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
  );
  let logger: { error: jest.Mock; info: jest.Mock };
  let outages: OutageLog;

  beforeEach(() => {
    logger = { error: jest.fn(), info: jest.fn() };
    outages = new OutageLog(logger as unknown as Logger);
  });

  it('logs an outage once when it begins and once when the database answers again', () => {
    for (let i = 0; i < 5; i++) outages.failed(refused, Date.now());
    outages.answered();
    outages.answered();
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0][0]).toMatchObject({
      storage: 'unreachable',
      code: 'ECONNREFUSED',
    });
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(logger.info.mock.calls[0][0]).toMatchObject({ failures: 5 });
  });

  it('reads a failure of an attempt begun before the database answered as the old outage, a later one as a new outage', () => {
    const before = Date.now() - 1000;
    outages.failed(refused, before);
    outages.answered();
    outages.failed(refused, before);
    expect(logger.error).toHaveBeenCalledTimes(1);
    outages.failed(refused, Date.now() + 1);
    expect(logger.error).toHaveBeenCalledTimes(2);
  });
});
