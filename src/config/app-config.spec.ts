import { ConfigError, DEMO_JWT_SECRET, loadConfig, loadTokenCliConfig } from './app-config.js';

const SECRET = 'a-production-secret-of-32-bytes!';

const production = {
  XASSIST_BASE_URL: 'https://frontline.example.com/acme',
  XASSIST_USERNAME: 'connector',
  XASSIST_PASSWORD: 'pw',
  XASSIST_DOMAIN: 'acme',
  AUTH_JWT_SECRET: SECRET,
  DIRECTORY_FILE: './people.json',
};

describe('loadConfig', () => {
  it('runs in demo mode with every default when nothing is set', () => {
    const config = loadConfig({});
    expect(config.demoMode).toBe(true);
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBe('sqlite:./data/demo.db');
    expect(config.auth.jwtSecret).toBe(DEMO_JWT_SECRET);
    expect(config.polling).toEqual({
      minMs: 250,
      ringingMs: 1000,
      connectedMs: 5000,
      connectedMaxMs: 15000,
      maxConcurrent: 32,
      slowAttemptMs: 1000,
      notFoundPollsToFail: 3,
    });
    expect(config.timeouts).toEqual({ expertAnswerMs: 60000, technicianJoinMs: 60000 });
    expect(config.routing).toEqual({ offlineGraceMs: 30000, tickMs: 500 });
  });

  it('bounds how often calls are polled, and refuses bounds in the wrong order', () => {
    expect(loadConfig({}).xassist.maxRequestsPerSecond).toBe(50);
    expect(loadConfig({ XASSIST_MAX_REQUESTS_PER_SECOND: '20' }).xassist.maxRequestsPerSecond).toBe(
      20,
    );
    expect(() => loadConfig({ XASSIST_MAX_REQUESTS_PER_SECOND: '0' })).toThrow(
      'XASSIST_MAX_REQUESTS_PER_SECOND must be a whole number from 1 to 100000, got "0"',
    );
    // A ringing period shorter than the default minimum lowers the minimum with it.
    expect(loadConfig({ POLL_INTERVAL_RINGING_MS: '100' }).polling.minMs).toBe(100);
    expect(() =>
      loadConfig({ POLL_INTERVAL_MIN_MS: '2000', POLL_INTERVAL_RINGING_MS: '1000' }),
    ).toThrow(
      'POLL_INTERVAL_MIN_MS (2000) must not be longer than POLL_INTERVAL_RINGING_MS (1000)',
    );
    expect(loadConfig({ POLL_INTERVAL_CONNECTED_MS: '2000' }).polling.connectedMaxMs).toBe(6000);
    expect(() => loadConfig({ POLL_INTERVAL_CONNECTED_MAX_MS: '1000' })).toThrow(
      'POLL_INTERVAL_CONNECTED_MAX_MS (1000) must not be shorter than POLL_INTERVAL_CONNECTED_MS (5000)',
    );
  });

  it('reads the offline grace of routing and refuses a bad one', () => {
    expect(loadConfig({ ROUTING_OFFLINE_GRACE_MS: '500' }).routing.offlineGraceMs).toBe(500);
    expect(() => loadConfig({ ROUTING_OFFLINE_GRACE_MS: '-1' })).toThrow(
      'ROUTING_OFFLINE_GRACE_MS must be a whole number from 1 to 3600000, got "-1"',
    );
  });

  it('counts a poll attempt slow past a tenth of the xAssist request timeout, unless told', () => {
    expect(loadConfig({ XASSIST_REQUEST_TIMEOUT_MS: '3000' }).polling.slowAttemptMs).toBe(300);
    expect(loadConfig({ POLL_SLOW_ATTEMPT_MS: '250' }).polling.slowAttemptMs).toBe(250);
    expect(() => loadConfig({ POLL_SLOW_ATTEMPT_MS: '0' })).toThrow(
      'POLL_SLOW_ATTEMPT_MS must be a whole number from 1 to 300000, got "0"',
    );
  });

  it('runs as one instance without REDIS_URL, as one of several with it on PostgreSQL', () => {
    const single = loadConfig({ INSTANCE_ID: 'broker-a' }).cluster;
    expect(single).toEqual({
      redisUrl: undefined,
      instanceId: 'broker-a',
      leaseTtlMs: 15000,
      heartbeatMs: 5000,
      redisKeyPrefix: 'broker:',
    });
    const several = loadConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1/broker',
      REDIS_URL: 'redis://127.0.0.1:6379',
      LEASE_TTL_MS: '3000',
      REDIS_KEY_PREFIX: 'acme-broker:',
    }).cluster;
    expect(several).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      leaseTtlMs: 3000,
      redisKeyPrefix: 'acme-broker:',
    });
    expect(several.heartbeatMs).toBe(1000);
    expect(several.instanceId).toMatch(/-\d+-[0-9a-f]{4}$/);
  });

  it('reads a production configuration and normalises the base URL', () => {
    const config = loadConfig({ ...production, PORT: '8080', POLL_INTERVAL_RINGING_MS: '500' });
    expect(config.demoMode).toBe(false);
    expect(config.host).toBe('0.0.0.0');
    expect(config.databaseUrl).toBe('sqlite:./data/broker.db');
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
    [
      { REDIS_URL: 'redis://127.0.0.1:6379' },
      /^REDIS_URL runs several instances, which share a PostgreSQL database: set DATABASE_URL/,
    ],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, /^REDIS_URL must use redis: or rediss:/],
    [{ LEASE_TTL_MS: '500' }, /^LEASE_TTL_MS must be a whole number from 1000 to 120000/],
    [{ INSTANCE_ID: 'a b' }, /^INSTANCE_ID must be 1 to 100 letters/],
    [{ REDIS_KEY_PREFIX: 'a b' }, /^REDIS_KEY_PREFIX must be 1 to 100 letters/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ DATABASE_QUERY_TIMEOUT_MS: '0' }, /^DATABASE_QUERY_TIMEOUT_MS must be a whole number/],
    [
      { DATABASE_STATEMENT_TIMEOUT_MS: '20000' },
      /^DATABASE_STATEMENT_TIMEOUT_MS \(20000\) must be shorter than DATABASE_QUERY_TIMEOUT_MS \(15000\)$/,
    ],
  ])('stops on %j with one line naming the variable', (env, message) => {
    const whole = 'XASSIST_BASE_URL' in env ? { ...production, ...env } : env;
    expect(() => loadConfig(whole)).toThrow(ConfigError);
    expect(() => loadConfig(whole)).toThrow(message);
  });

  it.each(['XASSIST_USERNAME', 'XASSIST_PASSWORD', 'XASSIST_DOMAIN', 'DIRECTORY_FILE'])(
    'requires %s in production mode',
    (name) => {
      const env: Record<string, string> = { ...production };
      delete env[name];
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(new RegExp(`^${name} is required in production mode`));
    },
  );

  it('requires a way to check tokens in production mode', () => {
    const env: Record<string, string> = { ...production };
    delete env.AUTH_JWT_SECRET;
    expect(() => loadConfig(env)).toThrow(/^AUTH_JWT_SECRET or AUTH_ISSUER is required/);
  });
});

describe('loadConfig: demo mode is explicit (issue 8, finding 2)', () => {
  it.each(['', '   ', '\t'])(
    'a blank XASSIST_BASE_URL (%j) is a production mistake, never demo mode',
    (blank) => {
      expect(() => loadConfig({ ...production, XASSIST_BASE_URL: blank })).toThrow(
        /^XASSIST_BASE_URL is blank but required in production mode/,
      );
      expect(() => loadConfig({ XASSIST_BASE_URL: blank })).toThrow(ConfigError);
    },
  );

  it.each(['XASSIST_USERNAME', 'AUTH_JWT_SECRET', 'DIRECTORY_FILE', 'AUTH_ISSUER'])(
    'any production variable alone (%s) means production, and names what is missing',
    (name) => {
      expect(() => loadConfig({ [name]: 'x' })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: 'x' })).toThrow(/required in production mode/);
    },
  );

  it('DEMO_FRESH_START=true empties only the demo database, in demo mode only (issue 22)', () => {
    expect(loadConfig({}).demoFreshStart).toBe(false);
    expect(loadConfig({ DEMO_FRESH_START: 'true' }).demoFreshStart).toBe(true);
    expect(() => loadConfig({ DEMO_FRESH_START: 'yes' })).toThrow(/^DEMO_FRESH_START must be/);
    expect(() => loadConfig({ ...production, DEMO_FRESH_START: 'true' })).toThrow(
      /^DEMO_FRESH_START=true is for demo mode only/,
    );
    expect(() =>
      loadConfig({ DEMO_FRESH_START: 'true', DATABASE_URL: 'sqlite:./mine.db' }),
    ).toThrow(/^DEMO_FRESH_START=true empties only the demo's own database.*mine\.db/);
  });

  it('BROKER_MODE chooses the mode and refuses anything else', () => {
    expect(loadConfig({ BROKER_MODE: 'demo' }).demoMode).toBe(true);
    expect(loadConfig({ ...production, BROKER_MODE: 'production' }).demoMode).toBe(false);
    expect(() => loadConfig({ BROKER_MODE: 'production' })).toThrow(
      /^XASSIST_BASE_URL is required in production mode \(BROKER_MODE=production\)/,
    );
    expect(() => loadConfig({ BROKER_MODE: ' ' })).toThrow(
      /^BROKER_MODE must be "demo" or "production", got " "$/,
    );
    expect(() => loadConfig({ BROKER_MODE: 'Demo1' })).toThrow(/^BROKER_MODE must be/);
  });

  it('explicit demo mode refuses a real xAssist, so the two cannot be mixed up', () => {
    expect(() => loadConfig({ ...production, BROKER_MODE: 'demo' })).toThrow(
      /^XASSIST_BASE_URL is set but BROKER_MODE=demo simulates xAssist/,
    );
  });

  it('refuses the public demo secret outside demo mode', () => {
    expect(() => loadConfig({ ...production, AUTH_JWT_SECRET: DEMO_JWT_SECRET })).toThrow(
      /^AUTH_JWT_SECRET is the public demo secret/,
    );
  });

  it('requires 32 bytes of HS256 secret, in either mode', () => {
    const short = 'x'.repeat(31);
    expect(() => loadConfig({ ...production, AUTH_JWT_SECRET: short })).toThrow(
      /^AUTH_JWT_SECRET must be at least 32 bytes long \(got 31\)/,
    );
    expect(() => loadConfig({ BROKER_MODE: 'demo', AUTH_JWT_SECRET: short })).toThrow(
      /^AUTH_JWT_SECRET must be at least 32 bytes/,
    );
    expect(loadConfig({ ...production, AUTH_JWT_SECRET: 'é'.repeat(16) }).auth.jwtSecret).toBe(
      'é'.repeat(16),
    );
  });

  it('demo mode listens on loopback and keeps its own database unless told otherwise', () => {
    const demo = loadConfig({ HOST: '0.0.0.0', DATABASE_URL: 'sqlite:/tmp/x.db' });
    expect(demo.demoMode).toBe(true);
    expect(demo.host).toBe('0.0.0.0');
    expect(demo.databaseUrl).toBe('sqlite:/tmp/x.db');
    expect(loadConfig({ ...production, HOST: '::' }).host).toBe('::');
    expect(() => loadConfig({ HOST: 'not a host!' })).toThrow(/^HOST must be/);
  });
});

describe('loadTokenCliConfig (issue 10, item 5: the token CLI needs only the secret and directory)', () => {
  it('reads the secret and the directory, nothing about xAssist', () => {
    expect(
      loadTokenCliConfig({ AUTH_JWT_SECRET: SECRET, DIRECTORY_FILE: './people.json' }),
    ).toEqual({ jwtSecret: SECRET, directoryFile: './people.json' });
  });

  it('mints demo tokens with nothing set, and refuses half a production setup', () => {
    expect(loadTokenCliConfig({})).toEqual({
      jwtSecret: DEMO_JWT_SECRET,
      directoryFile: undefined,
    });
    expect(() => loadTokenCliConfig({ AUTH_JWT_SECRET: SECRET })).toThrow(
      /^DIRECTORY_FILE is required in production mode/,
    );
    expect(() => loadTokenCliConfig({ DIRECTORY_FILE: './p.json' })).toThrow(
      /^AUTH_JWT_SECRET is required in production mode/,
    );
  });
});
