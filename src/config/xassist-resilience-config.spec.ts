import { ConfigError } from './env-readers.js';
import { xassistResilienceConfig } from './xassist-resilience-config.js';

describe('xassistResilienceConfig', () => {
  it('defaults to a short first open period and a failure count per window', () => {
    expect(xassistResilienceConfig({})).toEqual({
      breaker: { threshold: 10, window: 20, openMs: 1000, openMaxMs: 30000 },
      loginBackoff: { initialMs: 10000, maxMs: 600000 },
    });
  });

  it.each([
    [{ XASSIST_BREAKER_THRESHOLD: '21' }, /XASSIST_BREAKER_THRESHOLD \(21\) must not exceed/],
    [{ XASSIST_BREAKER_HALF_OPEN_MAX_MS: '500' }, /HALF_OPEN_MAX_MS \(500\) must be at least/],
    [{ XASSIST_LOGIN_BACKOFF_MAX_MS: '5' }, /XASSIST_LOGIN_BACKOFF_MAX_MS must be a whole number/],
    [{ XASSIST_LOGIN_BACKOFF_MAX_MS: '5000' }, /LOGIN_BACKOFF_MAX_MS \(5000\) must be at least/],
    [{ XASSIST_BREAKER_WINDOW: 'many' }, /XASSIST_BREAKER_WINDOW must be a whole number/],
  ])('refuses %j with one clear line', (env, message) => {
    expect(() => xassistResilienceConfig(env)).toThrow(ConfigError);
    expect(() => xassistResilienceConfig(env)).toThrow(message);
  });
});
