import { ConfigError, loadConfig } from './app-config.js';

/** The one start-up line a configuration stops with. */
function refusal(env: Record<string, string | undefined>): string {
  try {
    loadConfig({ BROKER_MODE: 'demo', ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('outbox configuration: its own slice, read from the documented variables', () => {
  it('defaults to a schedule of about a day, ten a second, four at once, and a 30 s circuit', () => {
    expect(loadConfig({ BROKER_MODE: 'demo' }).outbox).toEqual({
      retry: { maxAttempts: 18, retryBaseMs: 5_000, retryMaxMs: 14_400_000 },
      ratePerSecond: 10,
      pollIntervalMs: 1_000,
      leaseMs: 60_000,
      batchSize: 100,
      concurrencyPerDestination: 4,
      circuitFailures: 5,
      circuitOpenMs: 30_000,
    });
  });

  it('reads the WEBHOOK_* and OUTBOX_* variables into config.outbox, webhook-only ones stay in config.webhooks', () => {
    const config = loadConfig({
      BROKER_MODE: 'demo',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_RETRY_BASE_MS: '1000',
      WEBHOOK_RETRY_MAX_MS: '4000',
      WEBHOOK_RATE_PER_SECOND: '50',
      OUTBOX_POLL_INTERVAL_MS: '500',
      OUTBOX_LEASE_MS: '30000',
      OUTBOX_BATCH_SIZE: '7',
      WEBHOOK_CONCURRENCY_PER_DESTINATION: '2',
      WEBHOOK_CIRCUIT_FAILURES: '9',
      WEBHOOK_CIRCUIT_OPEN_MS: '10000',
      WEBHOOK_TIMEOUT_MS: '3000',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:8443',
    });
    expect(config.outbox).toEqual({
      retry: { maxAttempts: 3, retryBaseMs: 1_000, retryMaxMs: 4_000 },
      ratePerSecond: 50,
      pollIntervalMs: 500,
      leaseMs: 30_000,
      batchSize: 7,
      concurrencyPerDestination: 2,
      circuitFailures: 9,
      circuitOpenMs: 10_000,
    });
    expect(config.webhooks).toEqual({
      allowedHosts: ['127.0.0.1:8443'],
      timeoutMs: 3_000,
      maxPerIntegration: 25,
      createsPerMinute: 10,
    });
  });

  it.each([
    [
      { WEBHOOK_MAX_ATTEMPTS: '0' },
      'WEBHOOK_MAX_ATTEMPTS must be a whole number from 1 to 100, got "0"',
    ],
    [
      { OUTBOX_LEASE_MS: '10' },
      'OUTBOX_LEASE_MS must be a whole number from 1000 to 3600000, got "10"',
    ],
    [
      { WEBHOOK_CONCURRENCY_PER_DESTINATION: 'four' },
      'WEBHOOK_CONCURRENCY_PER_DESTINATION must be a whole number from 1 to 100, got "four"',
    ],
    [
      { WEBHOOK_RETRY_BASE_MS: '5000', WEBHOOK_RETRY_MAX_MS: '1000' },
      'WEBHOOK_RETRY_MAX_MS (1000) must not be below WEBHOOK_RETRY_BASE_MS (5000)',
    ],
  ])('stops start-up with one line for %j', (env, line) => {
    expect(refusal(env)).toBe(line);
  });
});
