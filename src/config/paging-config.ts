import { randomBytes } from 'node:crypto';
import { loadChannelsDocument, type ChannelsDocument } from '../notifications/channels-document.js';
import { ConfigError, type Env, integer, text, url } from './env-readers.js';

/**
 * Chat paging (docs/notifications.md, "Paging"): the accept links' key and where they point,
 * and the channels file read with this environment (its secrets may name variables).
 */
export interface PagingConfig {
  /** HMAC key of accept links; a random one per start in demo mode (links die with the process). */
  acceptLinkSecret: string;
  /** The broker as people's browsers reach it (`https://broker.acme.example`); unset: its own address. */
  publicUrl: string | undefined;
  /**
   * Reads and validates CHANNELS_FILE (channels and paging rules) with this environment; called
   * once at start-up by the paging module. Throws ChannelsFileError, one line per mistake.
   */
  loadChannels: () => ChannelsDocument;
  /**
   * One technician's pages to one channel: at most `limit` in any window of `windowMs`; the rest
   * are deferred (PAGING_PER_CALLER_LIMIT, PAGING_PER_CALLER_WINDOW_SECONDS).
   */
  perCaller: { limit: number; windowMs: number };
}

export function pagingConfig(env: Env, demoMode: boolean): { paging: PagingConfig } {
  const secret = text(env, 'ACCEPT_LINK_SECRET');
  if (secret !== undefined && secret.length < 32)
    throw new ConfigError('ACCEPT_LINK_SECRET must be at least 32 characters');
  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, '');
  const file = text(env, 'CHANNELS_FILE');
  const pages = file !== undefined;
  if (secret === undefined && pages && !demoMode)
    throw new ConfigError(
      'ACCEPT_LINK_SECRET is required with CHANNELS_FILE outside demo mode (it signs accept links)',
    );
  return {
    paging: {
      acceptLinkSecret: secret ?? randomBytes(32).toString('base64url'),
      publicUrl,
      loadChannels: () =>
        file === undefined
          ? { channels: [], rules: [], fallback: null }
          : loadChannelsDocument(file, env),
      perCaller: {
        limit: integer(env, 'PAGING_PER_CALLER_LIMIT', 5, 1, 1000),
        windowMs: integer(env, 'PAGING_PER_CALLER_WINDOW_SECONDS', 60, 1, 86_400) * 1000,
      },
    },
  };
}
