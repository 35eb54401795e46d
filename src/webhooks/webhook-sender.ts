import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { lookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { Clock } from '../common/clock.js';
import { boundedAttempt } from '../common/resilience.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { retryAfterMs } from '../notifications/channel-http.js';
import { OutboxSenderOf, type OutboxPolicy, type OutboxSender } from '../outbox/outbox-sender.js';
import type { AttemptOutcome, Delivery } from '../outbox/outbox.model.js';
import { retrySpanMs } from '../outbox/retry-schedule.js';
import { addressProblem, hostOf, hostsAllowedOn } from './webhook-address.js';
import { signedHeaders } from './webhook-signature.js';
import type { Webhook } from './kysely-webhook.store.js';
import { WebhooksService } from './webhooks.service.js';

/** The connection was refused by the broker itself: the name now points somewhere private. */
class RefusedAddressError extends Error {
  readonly code = 'EWEBHOOKADDRESS';
}

class AttemptTimeout extends Error {}

/** A webhook deleted or disabled meanwhile is noticed this late at most (its rows fail anyway). */
const SUBSCRIPTION_CACHE_MS = 1_000;

/**
 * Resolves as Node would, then refuses the connection when any address is not public: the check
 * happens on the very addresses the socket connects to, so a name that changed since the
 * subscription (DNS rebinding) cannot reach the broker's own network.
 */
function guardedLookup(allowedHosts: readonly string[]): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { all: true, verbatim: true, family: options.family }, (error, found) => {
      if (error) return callback(error, '', 0);
      const addresses = found as LookupAddress[];
      const problem = addressProblem(
        hostname.toLowerCase(),
        addresses.map((entry) => entry.address),
        allowedHosts,
      );
      if (problem) return callback(new RefusedAddressError(problem), '', 0);
      if (options.all)
        return (callback as (e: null, all: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * Connects with a guardedLookup that knows the port: a host WEBHOOK_ALLOWED_HOSTS opens on one port
 * is refused on every other, also when a name resolves to it. One connector per distinct set of
 * hosts allowed (a few: one per port the list names, one for every other port).
 */
function portGuardedConnector(
  timeoutMs: number,
  allowedHosts: readonly string[],
): buildConnector.connector {
  const connectors = new Map<string, buildConnector.connector>();
  return (options, callback) => {
    const hosts = hostsAllowedOn(allowedHosts, options.protocol, options.port);
    const key = hosts.join(' ');
    let connector = connectors.get(key);
    if (!connector) {
      connector = buildConnector({ timeout: timeoutMs, lookup: guardedLookup(hosts) });
      connectors.set(key, connector);
    }
    return connector(options, callback);
  };
}

/** Slack in a webhook row's time to live for open circuits and pacing that delay its retries. */
const TTL_SLACK_MS = 3_600_000;

/**
 * Posts a delivery to its webhook, signed; every outcome becomes an AttemptOutcome. The outbox's
 * schedule (WEBHOOK_MAX_ATTEMPTS: about a day) ends a webhook row; its time to live only backs it
 * up: the schedule at the top of its jitter, each attempt's timeout, and an hour.
 */
@Injectable()
@OutboxSenderOf('webhook')
export class WebhookSender implements OutboxSender, OnModuleDestroy {
  readonly policy: OutboxPolicy;
  private readonly agent: Agent;
  private readonly allowedHosts: readonly string[];
  private readonly attempt;
  private readonly recent = new Map<string, { webhook: Webhook | undefined; readAt: number }>();

  constructor(
    private readonly webhooks: WebhooksService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const { timeoutMs, allowedHosts } = config.webhooks;
    const { retry } = config.outbox;
    this.policy = {
      retry,
      ttlMs: retrySpanMs(retry) + retry.maxAttempts * timeoutMs + TTL_SLACK_MS,
    };
    this.allowedHosts = allowedHosts;
    this.agent = new Agent({
      connect: portGuardedConnector(timeoutMs, allowedHosts),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connections: 16,
    });
    this.attempt = boundedAttempt(timeoutMs, () => new AttemptTimeout());
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }

  async deliver(delivery: Delivery, paced: () => Promise<void>): Promise<AttemptOutcome> {
    const webhook = await this.subscription(delivery.destinationId);
    if (!webhook) return { status: 'failed', reason: 'the webhook was deleted' };
    if (webhook.status !== 'active')
      return { status: 'failed', reason: `the webhook is disabled: ${webhook.disabledReason}` };
    const url = new URL(webhook.url);
    const host = hostOf(url);
    const allowedHere = hostsAllowedOn(this.allowedHosts, url.protocol, url.port);
    // http was allowed at subscription because the host was listed; it may not be any more.
    if (url.protocol !== 'https:' && !allowedHere.includes(host))
      return {
        status: 'failed',
        reason: `${host} is not in WEBHOOK_ALLOWED_HOSTS on this port: only such a host is sent to over ${url.protocol.replace(':', '')}`,
      };
    const problem = isIP(host) ? addressProblem(host, [host], allowedHere) : undefined;
    if (problem) return { status: 'failed', reason: problem };
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'expert-call-broker-webhooks/1',
      ...signedHeaders(
        webhook.secret,
        delivery.id,
        Math.floor(this.clock.now() / 1000),
        delivery.payload,
      ),
    };
    await paced();
    try {
      const answer = await this.attempt('webhook', async (signal) => {
        const response = await this.agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers,
          body: delivery.payload,
          signal,
        });
        await response.body.dump();
        return response;
      });
      const status = answer.statusCode;
      if (status >= 200 && status < 300) return { status: 'sent' };
      if (status === 410)
        return { status: 'gone', reason: 'the receiver answered 410 Gone: webhook disabled' };
      const afterMs = retryAfterMs(answer.headers['retry-after'], this.clock.now()) ?? 0;
      return { status: 'retry', afterMs, reason: `the receiver answered ${status}` };
    } catch (error) {
      if (
        error instanceof RefusedAddressError ||
        (error as { code?: string }).code === 'EWEBHOOKADDRESS'
      )
        return { status: 'failed', reason: (error as Error).message };
      if (error instanceof AttemptTimeout)
        return { status: 'retry', afterMs: 0, reason: 'the receiver did not answer in time' };
      const code = (error as { code?: string }).code ?? 'unknown';
      return { status: 'retry', afterMs: 0, reason: `the receiver could not be reached (${code})` };
    }
  }

  async gone(destinationId: string, reason: string): Promise<void> {
    this.recent.delete(destinationId);
    await this.webhooks.disable(destinationId, reason);
  }

  /** Read at most once a second per webhook: a backlog to one receiver costs no read per row. */
  private async subscription(id: string): Promise<Webhook | undefined> {
    const cached = this.recent.get(id);
    if (cached && this.clock.now() - cached.readAt < SUBSCRIPTION_CACHE_MS) return cached.webhook;
    const webhook = await this.webhooks.findForDelivery(id);
    this.recent.set(id, { webhook, readAt: this.clock.now() });
    return webhook;
  }
}
