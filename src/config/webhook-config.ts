import { isIP } from 'node:net';
import { ConfigError, type Env, integer, text } from './env-readers.js';

/**
 * Outbound webhooks (docs/notifications.md, "Webhooks"): where they may point, one attempt's
 * timeout, and each integration's caps. The outbox that delivers them has its own slice
 * (outbox-config.ts: retries, pacing, circuits).
 */
export interface WebhookConfig {
  /**
   * Hosts (names or addresses) a webhook may point at although they are loopback or private,
   * over http too, each on one port: `host:port`, `[v6]:port`, or a bare host for the default
   * port of the scheme; empty: only public https URLs.
   */
  allowedHosts: string[];
  /** One attempt: connect, send, answer. */
  timeoutMs: number;
  /** Webhooks one integration may hold (active or disabled): each call change owes each one a row. */
  maxPerIntegration: number;
  /** POST /v1/webhooks per integration per minute (refused ones count too). */
  createsPerMinute: number;
}

const NAME_OR_IPV4 = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/**
 * One WEBHOOK_ALLOWED_HOSTS entry, normalised: `host:port`, `[v6]:port`, or a bare host (a name or
 * an address, IPv6 without brackets), which is open on the default port of the URL's scheme only.
 */
function allowedHost(entry: string): string | undefined {
  const parts = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(entry);
  const [host, port] = parts ? [parts[1] ?? parts[2], parts[3]] : [entry, undefined];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return undefined;
  const v6 = isIP(host) === 6;
  if (!v6 && (parts?.[1] !== undefined || !NAME_OR_IPV4.test(host))) return undefined;
  const normal = v6 ? new URL(`http://[${host}]`).hostname.slice(1, -1) : host;
  if (port === undefined) return normal;
  return `${v6 ? `[${normal}]` : normal}:${Number(port)}`;
}

function allowedHosts(env: Env): string[] {
  const raw = text(env, 'WEBHOOK_ALLOWED_HOSTS');
  if (raw === undefined) return [];
  return raw.split(',').map((entry) => {
    const host = allowedHost(entry.trim().toLowerCase());
    if (host === undefined)
      throw new ConfigError(
        `WEBHOOK_ALLOWED_HOSTS must be host:port, [IPv6]:port or host entries separated by commas (a bare host is open on port 443 for https, 80 for http), got "${entry.trim()}"`,
      );
    return host;
  });
}

export function webhookConfig(env: Env): { webhooks: WebhookConfig } {
  return {
    webhooks: {
      allowedHosts: allowedHosts(env),
      timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 15_000, 1, 120_000),
      maxPerIntegration: integer(env, 'WEBHOOK_MAX_PER_INTEGRATION', 25, 1, 100_000),
      createsPerMinute: integer(env, 'WEBHOOK_CREATES_PER_MINUTE', 10, 1, 1_000_000),
    },
  };
}
