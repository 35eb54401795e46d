import type { OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  ClusterSignals,
  type ClusterSignalHandler,
  type ClusterSignalMap,
  type ClusterSignalName,
} from './cluster-signals.js';

/** What travels on a signal's channel: who sent it (so the sender skips its own) and the payload. */
interface SignalMessage {
  from: string;
  payload: unknown;
}

/**
 * Signals between instances over Redis pub/sub, one channel per topic (`<prefix>signal:<topic>`),
 * JSON messages that carry the sender's instance id so it ignores its own.
 *
 * Why Redis and not PostgreSQL's LISTEN/NOTIFY: Redis is there anyway for the socket fan-out, so
 * one transport carries everything between instances; LISTEN would hold one database connection
 * per instance outside the pool (and breaks behind a transaction-pooling proxy), and NOTIFY takes
 * a database-wide lock at every commit that sends one, on the hottest path (a call's commit). What
 * NOTIFY would add, delivery tied to the commit, a best-effort wake-up does not need: it is sent
 * after the commit and the timers make up for a lost one.
 */
export class RedisSignals extends ClusterSignals implements OnApplicationShutdown {
  private readonly handlers = new Map<string, Array<(payload: unknown) => void>>();

  /**
   * @param publisher the shared command connection (fails at once while Redis is down)
   * @param subscriber a connection of its own (a subscribed connection can do nothing else)
   */
  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly instanceId: string,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    super();
    subscriber.on('message', (channel: string, raw: string) => this.received(channel, raw));
  }

  publish<K extends ClusterSignalName>(topic: K, payload: ClusterSignalMap[K]): void {
    const message: SignalMessage = { from: this.instanceId, payload };
    // Never awaited, never thrown: a signal lost while Redis is away is made up by the timers.
    this.publisher.publish(this.channelOf(topic), JSON.stringify(message)).catch(() => undefined);
  }

  subscribe<K extends ClusterSignalName>(topic: K, handler: ClusterSignalHandler<K>): void {
    const channel = this.channelOf(topic);
    const handlers = this.handlers.get(channel);
    const untyped = handler as (payload: unknown) => void;
    if (handlers) return void handlers.push(untyped);
    this.handlers.set(channel, [untyped]);
    this.subscriber
      .subscribe(channel)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, topic }, 'subscribing to a cluster signal failed'),
      );
  }

  /** A listener has nothing to flush; QUIT would wait for ever while Redis is away. */
  onApplicationShutdown(): void {
    this.subscriber.disconnect();
  }

  private channelOf(topic: string): string {
    return `${this.prefix}signal:${topic}`;
  }

  private received(channel: string, raw: string): void {
    const handlers = this.handlers.get(channel);
    if (!handlers) return;
    const message = parseMessage(raw);
    if (!message) {
      this.logger.warn({ channel, bytes: raw.length }, 'ignored a malformed cluster signal');
      return;
    }
    if (message.from === this.instanceId) return;
    for (const handler of handlers) {
      try {
        handler(message.payload);
      } catch (error) {
        this.logger.error({ err: error, channel }, 'a cluster signal handler failed');
      }
    }
  }
}

function parseMessage(raw: string): SignalMessage | undefined {
  try {
    const message = JSON.parse(raw) as Partial<SignalMessage> | null;
    if (typeof message !== 'object' || message === null || typeof message.from !== 'string')
      return undefined;
    return { from: message.from, payload: message.payload };
  } catch {
    return undefined;
  }
}
