/**
 * The one place that reads the environment. Everything else receives the typed AppConfig.
 * Each feature reads its own slice (a small function of the environment); loadConfig only
 * puts the slices together.
 */
import { atRestConfig, type AtRestConfig } from './at-rest-config.js';
import { channelsConfig } from './channels-config.js';
import { clusterConfig, type ClusterConfig } from './cluster-config.js';
import { authConfig, jwtSecretConfig, type AuthConfig } from './auth-config.js';
import { databaseConfig, type DatabaseSettings } from './database-config.js';
import { ConfigError, type Env, integer, oneOf, required, text, url } from './env-readers.js';
import { glassesConfig, type GlassesConfig } from './glasses-config.js';
import { httpConfig, type HttpTimeouts } from './http-config.js';
import { brokerMode, type BrokerMode } from './mode-config.js';
import { outboxConfig, type OutboxConfig } from './outbox-config.js';
import { pagingConfig, type PagingConfig } from './paging-config.js';
import { pollingConfig, type PollingConfig } from './polling-config.js';
import { quotaConfig, type QuotaConfig } from './quota-config.js';
import { webhookConfig, type WebhookConfig } from './webhook-config.js';
import {
  xassistResilienceConfig,
  type XAssistResilienceConfig,
} from './xassist-resilience-config.js';

export { ConfigError } from './env-readers.js';
export { DEMO_JWT_SECRET } from './auth-config.js';
export type { AuthConfig, OidcConfig } from './auth-config.js';
export type { DashboardSignInConfig } from './sign-in-config.js';
export type { PollingConfig } from './polling-config.js';
export type { DatabaseSettings } from './database-config.js';
export type { ClusterConfig } from './cluster-config.js';
export type { OutboxConfig, RetrySchedule } from './outbox-config.js';

export interface XAssistConfig extends XAssistResilienceConfig {
  /** Always ends with '/': `https://<host>/<domainTag>/`. */
  baseUrl: string;
  username: string;
  password: string;
  domain: string;
  maxConnections: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /**
   * The hard budget of requests to xAssist (logins, creates, polls, listings, retries) in any one
   * second, shared by every instance on one Redis (docs/architecture.md › Following calls).
   */
  maxRequestsPerSecond: number;
}

export interface AppConfig {
  port: number;
  /** Where to listen: 127.0.0.1 in demo mode, 0.0.0.0 in production, unless HOST says otherwise. */
  host: string;
  http: HttpTimeouts;
  /** BROKER_MODE=demo, or nothing production-like configured: an in-process simulator plays xAssist. */
  demoMode: boolean;
  /** DEMO_FRESH_START=true: the demo's own database is deleted before this start (main.ts). */
  demoFreshStart: boolean;
  /** Unset in demo mode until the in-process simulator is listening (see main.ts). */
  xassist: XAssistConfig;
  databaseUrl: string;
  /** Timeouts on the way to PostgreSQL, and /readyz's deadline for the database check. */
  database: DatabaseSettings;
  auth: AuthConfig;
  /** Unset means the built-in demo directory (demo mode only). */
  directoryFile: string | undefined;
  polling: PollingConfig;
  timeouts: { expertAnswerMs: number; technicianJoinMs: number };
  glasses: GlassesConfig;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  quotas: QuotaConfig;
  routing: RoutingConfig;
  /** CHANNELS_FILE: the chat channels; unset means none. */
  channelsFile: string | undefined;
  webhooks: WebhookConfig;
  /** The outbox dispatcher (webhooks and pages alike): retries, pacing, claims, circuits. */
  outbox: OutboxConfig;
  /** Chat paging: accept links, and the channels file read with this environment. */
  paging: PagingConfig;
  /** Encryption keys of stored secrets, and how long settled rows are kept. */
  atRest: AtRestConfig;
  /** One instance, or one of several (REDIS_URL): identity, leases, Redis. */
  cluster: ClusterConfig;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Demo mode's own database: kept across demo restarts; DEMO_FRESH_START=true empties it. */
export const DEMO_DATABASE_URL = 'sqlite:./data/demo.db';

/**
 * DEMO_FRESH_START=true: main.ts deletes the demo's own database before it opens it. Only that
 * one: a fresh start of a database the user named is theirs to do, never a side effect.
 */
function demoFreshStart(env: Env, demoMode: boolean, databaseUrlValue: string): boolean {
  const fresh = oneOf(env, 'DEMO_FRESH_START', ['true', 'false'] as const, 'false') === 'true';
  if (fresh && !demoMode)
    throw new ConfigError('DEMO_FRESH_START=true is for demo mode only; unset it');
  if (fresh && databaseUrlValue !== DEMO_DATABASE_URL)
    throw new ConfigError(
      `DEMO_FRESH_START=true empties only the demo's own database (data/demo.db), not DATABASE_URL "${databaseUrlValue}"; unset one of them`,
    );
  return fresh;
}

/** Demo mode keeps its own database, so a later production start never polls demo calls. */
function databaseUrl(env: Env, demoMode: boolean): string {
  const raw =
    text(env, 'DATABASE_URL') ?? (demoMode ? DEMO_DATABASE_URL : 'sqlite:./data/broker.db');
  if (/^sqlite:.+/.test(raw) || /^postgres(ql)?:\/\/.+/.test(raw)) return raw;
  throw new ConfigError(
    `DATABASE_URL must be "sqlite:<path>" or "postgres://user@host/db", got "${raw}"`,
  );
}

function withTrailingSlash(value: string): string {
  return value.endsWith('/') ? value : `${value}/`;
}

function xassistConfig(env: Env, mode: BrokerMode): XAssistConfig {
  const { demoMode, requiredWhy } = mode;
  const baseUrl = demoMode ? undefined : url(env, 'XASSIST_BASE_URL', ['http:', 'https:']);
  return {
    baseUrl: demoMode
      ? ''
      : withTrailingSlash(baseUrl ?? required(env, 'XASSIST_BASE_URL', requiredWhy)),
    username: demoMode ? 'broker' : required(env, 'XASSIST_USERNAME', requiredWhy),
    password: demoMode ? '' : required(env, 'XASSIST_PASSWORD', requiredWhy),
    domain: demoMode ? 'demo' : required(env, 'XASSIST_DOMAIN', requiredWhy),
    maxConnections: integer(env, 'XASSIST_MAX_CONNECTIONS', 16, 1, 1024),
    connectTimeoutMs: integer(env, 'XASSIST_CONNECT_TIMEOUT_MS', 3000, 1, 120000),
    requestTimeoutMs: integer(env, 'XASSIST_REQUEST_TIMEOUT_MS', 10000, 1, 300000),
    maxRequestsPerSecond: integer(env, 'XASSIST_MAX_REQUESTS_PER_SECOND', 50, 1, 100000),
    ...xassistResilienceConfig(env),
  };
}

/** Reads and validates the whole configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env): AppConfig {
  const mode = brokerMode(env);
  const { demoMode } = mode;
  const xassist = xassistConfig(env, mode);
  const directoryFile = demoMode
    ? text(env, 'DIRECTORY_FILE')
    : required(env, 'DIRECTORY_FILE', mode.requiredWhy);
  const auth = authConfig(env, mode);
  const logLevel = oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info');

  const databaseUrlValue = databaseUrl(env, demoMode);

  return {
    ...httpConfig(env, demoMode),
    demoMode,
    demoFreshStart: demoFreshStart(env, demoMode, databaseUrlValue),
    xassist,
    databaseUrl: databaseUrlValue,
    ...clusterConfig(env, databaseUrlValue),
    ...databaseConfig(env),
    auth,
    directoryFile,
    polling: pollingConfig(env, xassist.requestTimeoutMs),
    timeouts: {
      expertAnswerMs: integer(env, 'EXPERT_ANSWER_TIMEOUT_MS', 60000, 1, 86400000),
      technicianJoinMs: integer(env, 'TECHNICIAN_JOIN_TIMEOUT_MS', 60000, 1, 86400000),
    },
    glasses: glassesConfig(env),
    logLevel,
    ...quotaConfig(env),
    ...routingConfig(env),
    ...channelsConfig(env),
    ...webhookConfig(env),
    ...outboxConfig(env),
    ...pagingConfig(env, demoMode, auth.jwtSecret),
    ...atRestConfig(env, mode),
  };
}

/** The process's own environment: the only read of process.env in the broker. */
export function loadConfigFromEnvironment(): AppConfig {
  return loadConfig(process.env);
}

/** What `npm run token` needs: the HS256 secret and the directory, nothing about xAssist. */
export interface TokenCliConfig {
  jwtSecret: string;
  directoryFile: string | undefined;
}

export function loadTokenCliConfig(env: Env): TokenCliConfig {
  const tokenVariables = ['BROKER_MODE', 'AUTH_JWT_SECRET', 'DIRECTORY_FILE'];
  const mode = brokerMode(Object.fromEntries(tokenVariables.map((name) => [name, env[name]])));
  const jwtSecret = jwtSecretConfig(env, mode.demoMode);
  if (jwtSecret === undefined)
    throw new ConfigError(`AUTH_JWT_SECRET is required ${mode.requiredWhy}`);
  const directoryFile = mode.demoMode
    ? text(env, 'DIRECTORY_FILE')
    : required(env, 'DIRECTORY_FILE', mode.requiredWhy);
  return { jwtSecret, directoryFile };
}

export function tokenCliConfigFromEnvironment(): TokenCliConfig {
  return loadTokenCliConfig(process.env);
}

/** DI token for the AppConfig object. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Routing's slice (issue 11). */
export interface RoutingConfig {
  /** An expert with no socket for this long is offline. */
  offlineGraceMs: number;
  /** How often each instance looks for due offer timeouts, escalations and waits run out. */
  tickMs: number;
}

function routingConfig(env: Env): { routing: RoutingConfig } {
  return {
    routing: {
      offlineGraceMs: integer(env, 'ROUTING_OFFLINE_GRACE_MS', 30000, 1, 3600000),
      tickMs: integer(env, 'ROUTING_TICK_MS', 500, 10, 60000),
    },
  };
}

/** What `npm run backup` needs: only the database, as the broker would open it in production. */
export function loadBackupCliConfig(env: Env): { databaseUrl: string } {
  return { databaseUrl: databaseUrl(env, false) };
}

export function backupCliConfigFromEnvironment(): { databaseUrl: string } {
  return loadBackupCliConfig(process.env);
}
