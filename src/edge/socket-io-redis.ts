import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ClusterConfig } from '../config/cluster-config.js';
import { connectRedisListener } from '../cluster/redis-connection.js';
import { MissedBroadcasts, type PublishingAdapter } from './missed-broadcasts.js';
import { answerWithoutCredentials, type RespondingAdapter } from './remote-socket-details.js';

/** How socket.io reaches the other instances: an adapter factory, and the connections to close. */
export interface IoCluster {
  adapter: ReturnType<typeof createAdapter>;
  /** The adapter's own listening connections (XREAD, SUBSCRIBE); the command one is shared. */
  close(): void;
}

/** Commands the adapter sends without looking at the answer: their failure must not go unhandled. */
const UNWATCHED = new Set<PropertyKey>(['set', 'publish']);

/**
 * socket.io across instances (REDIS_URL): every room emit goes through a Redis stream that every
 * instance reads, and connection state recovery keeps its sessions in Redis, so a client that
 * reconnects to another instance gets what it missed.
 *
 * The adapter gets the shared command connection, seen through a proxy that fixes two things
 * about how @socket.io/redis-streams-adapter 0.3 uses it while Redis is down:
 * - it sends SET (a session, at disconnect) and PUBLISH (a cluster request) without handling a
 *   failure, and an unhandled rejection kills the process: those get a handler here;
 * - it duplicates the connection for its blocking XREAD loop and its SUBSCRIBE, and a duplicate
 *   of a connection that fails commands at once would retry XREAD in a tight loop of rejected
 *   promises (no I/O ever runs again): its listeners are connections that wait for Redis instead.
 * Publishing a room emit (XADD) fails at once while Redis is down; the adapter then still
 * delivers to this instance's sockets, and MissedBroadcasts sends it to the other instances once
 * Redis is back. A fetchSockets answer tells the asking instance only what remote-socket-details.ts
 * allows (no handshake headers, no socket slot lease).
 */
export function ioCluster(cluster: ClusterConfig, commands: Redis, logger: Logger): IoCluster {
  const url = cluster.redisUrl;
  if (url === undefined) throw new Error('ioCluster needs REDIS_URL');
  const listeners: Redis[] = [];
  const log = logger.child({ component: 'socket-io-redis' });
  const seenByAdapter = new Proxy(commands, {
    get(target, property) {
      if (property === 'duplicate')
        return () => {
          const name = `broker:${cluster.instanceId}:io-${listeners.length}`;
          const listener = connectRedisListener(url, log, name);
          listeners.push(listener);
          return listener;
        };
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      if (!UNWATCHED.has(property)) return method;
      return (...args: unknown[]) => {
        const sent = method(...args) as Promise<unknown>;
        sent.catch((error: unknown) =>
          log.debug({ err: error, command: String(property) }, 'a socket.io Redis command failed'),
        );
        return sent;
      };
    },
  });
  const prefix = cluster.redisKeyPrefix;
  const streams = createAdapter(seenByAdapter, {
    streamName: `${prefix}socket.io`,
    channelPrefix: `${prefix}socket.io`,
    sessionKeyPrefix: `${prefix}socket.io:session:`,
  });
  const missed = new MissedBroadcasts(log);
  const resend = () => missed.resend();
  commands.on('ready', resend);
  return {
    // socket.io calls it with `new`: a function (not an arrow) whose returned object is the adapter.
    adapter: function watchedAdapter(namespace) {
      const adapter = streams(namespace);
      missed.watch(adapter as unknown as PublishingAdapter);
      answerWithoutCredentials(adapter as unknown as RespondingAdapter);
      return adapter;
    } as typeof streams,
    close: () => {
      commands.off('ready', resend);
      for (const listener of listeners.splice(0)) listener.disconnect();
    },
  };
}
