import { ConfigError, loadConfig } from './app-config.js';

const production = {
  XASSIST_BASE_URL: 'https://frontline.example.com/acme',
  XASSIST_USERNAME: 'connector',
  XASSIST_PASSWORD: 'pw',
  XASSIST_DOMAIN: 'acme',
  AUTH_JWT_SECRET: 'a-long-enough-secret',
  DIRECTORY_FILE: './people.json',
};

describe('loadConfig', () => {
  it('runs in demo mode with every default when nothing is set', () => {
    const config = loadConfig({});
    expect(config.demoMode).toBe(true);
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe('sqlite:./data/broker.db');
    expect(config.polling).toEqual({ ringingMs: 1000, connectedMs: 5000, maxConcurrent: 32 });
    expect(config.timeouts).toEqual({ expertAnswerMs: 60000, technicianJoinMs: 60000 });
  });

  it('reads a production configuration and normalises the base URL', () => {
    const config = loadConfig({ ...production, PORT: '8080', POLL_INTERVAL_RINGING_MS: '500' });
    expect(config.demoMode).toBe(false);
    expect(config.xassist.baseUrl).toBe('https://frontline.example.com/acme/');
    expect(config.port).toBe(8080);
    expect(config.polling.ringingMs).toBe(500);
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT must be a whole number from 0 to 65535, got "abc"$/],
    [{ PORT: '70000' }, /^PORT must be/],
    [{ POLL_INTERVAL_RINGING_MS: '1.5' }, /^POLL_INTERVAL_RINGING_MS must be a whole number/],
    [{ XASSIST_BASE_URL: 'not a url' }, /^XASSIST_BASE_URL must be a URL/],
    [{ XASSIST_BASE_URL: 'ftp://x/acme' }, /^XASSIST_BASE_URL must use http: or https:/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must be "sqlite:<path>" or "postgres:/],
    [{ REDIS_URL: 'redis://127.0.0.1:6379' }, /^REDIS_URL is not supported yet/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
  ])('stops on %j with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each([
    'XASSIST_USERNAME',
    'XASSIST_PASSWORD',
    'XASSIST_DOMAIN',
    'AUTH_JWT_SECRET',
    'DIRECTORY_FILE',
  ])('requires %s outside demo mode', (name) => {
    const env: Record<string, string> = { ...production };
    delete env[name];
    expect(() => loadConfig(env)).toThrow(
      new ConfigError(`${name} is required outside demo mode (XASSIST_BASE_URL is set)`),
    );
  });

  it('refuses a short JWT secret outside demo mode', () => {
    expect(() => loadConfig({ ...production, AUTH_JWT_SECRET: 'short' })).toThrow(/at least 16/);
  });
});
