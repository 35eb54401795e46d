/**
 * The one place that reads the environment. Everything else receives the typed AppConfig.
 */
export interface XAssistConfig {
  /** Always ends with '/': `https://<host>/<domainTag>/`. */
  baseUrl: string;
  username: string;
  password: string;
  domain: string;
  maxConnections: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** Consecutive failures that open the circuit, and how long it stays open before one probe. */
  breakerThreshold: number;
  breakerHalfOpenAfterMs: number;
}

export interface AppConfig {
  port: number;
  /** True when XASSIST_BASE_URL is unset: an in-process simulator plays xAssist. */
  demoMode: boolean;
  /** Unset in demo mode until the in-process simulator is listening (see main.ts). */
  xassist: XAssistConfig;
  databaseUrl: string;
  authJwtSecret: string;
  /** Unset means the built-in demo directory (demo mode only). */
  directoryFile: string | undefined;
  polling: { ringingMs: number; connectedMs: number; maxConcurrent: number };
  timeouts: { expertAnswerMs: number; technicianJoinMs: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Demo mode only (never with XASSIST_BASE_URL set), so that `npm run token` works against `npm start`. */
export const DEMO_JWT_SECRET = 'demo-mode-only-secret-never-use-in-production';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function required(env: Env, name: string, why: string): string {
  const value = text(env, name);
  if (value === undefined) throw new ConfigError(`${name} is required ${why}`);
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL (${protocols.join(' or ')}), got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

function databaseUrl(env: Env): string {
  const raw = text(env, 'DATABASE_URL') ?? 'sqlite:./data/broker.db';
  if (/^sqlite:.+/.test(raw) || /^postgres(ql)?:\/\/.+/.test(raw)) return raw;
  throw new ConfigError(
    `DATABASE_URL must be "sqlite:<path>" or "postgres://user@host/db", got "${raw}"`,
  );
}

function withTrailingSlash(value: string): string {
  return value.endsWith('/') ? value : `${value}/`;
}

/** Reads and validates the whole configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env): AppConfig {
  const baseUrl = url(env, 'XASSIST_BASE_URL', ['http:', 'https:']);
  const demoMode = baseUrl === undefined;
  const outside = 'outside demo mode (XASSIST_BASE_URL is set)';

  const logLevel = text(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const secret = demoMode
    ? (text(env, 'AUTH_JWT_SECRET') ?? DEMO_JWT_SECRET)
    : required(env, 'AUTH_JWT_SECRET', outside);
  if (!demoMode && secret.length < 16) {
    throw new ConfigError('AUTH_JWT_SECRET must be at least 16 characters long');
  }

  // Accepting it while running as one instance would let two instances poll and ring twice.
  if (text(env, 'REDIS_URL') !== undefined) {
    throw new ConfigError(
      'REDIS_URL is not supported yet: the broker runs as a single instance; unset REDIS_URL',
    );
  }

  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    demoMode,
    xassist: {
      baseUrl: baseUrl ? withTrailingSlash(baseUrl) : '',
      username: demoMode ? 'broker' : required(env, 'XASSIST_USERNAME', outside),
      password: demoMode ? '' : required(env, 'XASSIST_PASSWORD', outside),
      domain: demoMode ? 'demo' : required(env, 'XASSIST_DOMAIN', outside),
      maxConnections: integer(env, 'XASSIST_MAX_CONNECTIONS', 16, 1, 1024),
      connectTimeoutMs: integer(env, 'XASSIST_CONNECT_TIMEOUT_MS', 3000, 1, 120000),
      requestTimeoutMs: integer(env, 'XASSIST_REQUEST_TIMEOUT_MS', 10000, 1, 300000),
      breakerThreshold: integer(env, 'XASSIST_BREAKER_THRESHOLD', 5, 1, 1000),
      breakerHalfOpenAfterMs: integer(env, 'XASSIST_BREAKER_HALF_OPEN_MS', 10000, 10, 3600000),
    },
    databaseUrl: databaseUrl(env),
    authJwtSecret: secret,
    directoryFile: demoMode
      ? text(env, 'DIRECTORY_FILE')
      : required(env, 'DIRECTORY_FILE', outside),
    polling: {
      ringingMs: integer(env, 'POLL_INTERVAL_RINGING_MS', 1000, 50, 3600000),
      connectedMs: integer(env, 'POLL_INTERVAL_CONNECTED_MS', 5000, 50, 3600000),
      maxConcurrent: integer(env, 'POLL_MAX_CONCURRENT', 32, 1, 1024),
    },
    timeouts: {
      expertAnswerMs: integer(env, 'EXPERT_ANSWER_TIMEOUT_MS', 60000, 1, 86400000),
      technicianJoinMs: integer(env, 'TECHNICIAN_JOIN_TIMEOUT_MS', 60000, 1, 86400000),
    },
    logLevel: logLevel as AppConfig['logLevel'],
  };
}

/** The process's own environment: the only read of process.env in the broker. */
export function loadConfigFromEnvironment(): AppConfig {
  return loadConfig(process.env);
}

/** DI token for the AppConfig object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
