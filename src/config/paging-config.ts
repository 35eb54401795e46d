import { randomBytes } from 'node:crypto';
import { checkSecretKey } from './auth-config.js';
import { ConfigError, type Env, integer, text, url } from './env-readers.js';

/** 32 x `a`, `abab…`, `passwordpassword…`: long enough, and guessable. */
const REPEATED_RUN = /^(.{1,8})\1+$/s;

/** The link key: the JWT secret's rules, not a short run repeated, and never the JWT secret. */
function linkSecret(env: Env, demoMode: boolean, jwtSecret: string | undefined) {
  const secret = text(env, 'ACCEPT_LINK_SECRET');
  if (secret === undefined) return undefined;
  checkSecretKey('ACCEPT_LINK_SECRET', secret, demoMode);
  if (REPEATED_RUN.test(secret))
    throw new ConfigError(
      'ACCEPT_LINK_SECRET is a few characters repeated; use a random one (openssl rand -base64 48)',
    );
  if (secret === jwtSecret)
    throw new ConfigError(
      'ACCEPT_LINK_SECRET must differ from AUTH_JWT_SECRET (one leaked key would then forge both sessions and accept links)',
    );
  return secret;
}

/**
 * Chat paging (docs/notifications.md, "Paging"): the accept links' key and where they point,
 * and the channels file read with this environment (its secrets may name variables).
 */
export interface PagingConfig {
  /** HMAC key of accept links; a random one per start in demo mode (links die with the process). */
  acceptLinkSecret: string;
  /**
   * The broker as people's browsers reach it (`https://broker.acme.example`); required with
   * CHANNELS_FILE in production; unset (demo mode): its own address.
   */
  publicUrl: string | undefined;
  /**
   * Hands CHANNELS_FILE and this environment (the file's secrets may name variables) to `parse`,
   * the channels parser (notifications/channels-document.ts), which the paging module passes once
   * at start-up and which throws ChannelsFileError, one line per mistake. Undefined without the
   * file. The parser is the caller's: configuration knows where the file is, not what it says.
   */
  readChannelsFile: <T>(parse: (file: string, env: Env) => T) => T | undefined;
  /**
   * One technician's pages to one channel: at most `limit` in any window of `windowMs`; the rest
   * are deferred (PAGING_PER_CALLER_LIMIT, PAGING_PER_CALLER_WINDOW_SECONDS).
   */
  perCaller: { limit: number; windowMs: number };
}

/** `jwtSecret`: AUTH_JWT_SECRET as read (the demo secret in demo mode), which the link key must not be. */
export function pagingConfig(
  env: Env,
  demoMode: boolean,
  jwtSecret: string | undefined,
): { paging: PagingConfig } {
  const secret = linkSecret(env, demoMode, jwtSecret);
  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, '');
  const file = text(env, 'CHANNELS_FILE');
  const pages = file !== undefined;
  if (secret === undefined && pages && !demoMode)
    throw new ConfigError(
      'ACCEPT_LINK_SECRET is required with CHANNELS_FILE outside demo mode (it signs accept links)',
    );
  if (publicUrl === undefined && pages && !demoMode)
    throw new ConfigError(
      'PUBLIC_URL is required with CHANNELS_FILE in production: the links of chat pages must point where people reach the broker (https://broker.acme.example)',
    );
  return {
    paging: {
      acceptLinkSecret: secret ?? randomBytes(32).toString('base64url'),
      publicUrl,
      readChannelsFile: (parse) => (file === undefined ? undefined : parse(file, env)),
      perCaller: {
        limit: integer(env, 'PAGING_PER_CALLER_LIMIT', 5, 1, 1000),
        windowMs: integer(env, 'PAGING_PER_CALLER_WINDOW_SECONDS', 60, 1, 86_400) * 1000,
      },
    },
  };
}
