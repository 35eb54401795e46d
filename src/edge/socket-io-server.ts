import { IoAdapter } from '@nestjs/platform-socket.io';
import type { INestApplicationContext } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { IO_SERVER_OPTIONS } from './io-server-options.js';
import { setSecurityHeaders } from './security-headers.js';
import type { IoCluster } from './socket-io-redis.js';

type IoServer = ReturnType<IoAdapter['createIOServer']>;

/**
 * socket.io as Nest makes it, with what a gateway decorator cannot be relied on for:
 *
 * - the server's options (IO_SERVER_OPTIONS), whichever gateway Nest scans first;
 * - the broker's security headers on the HTTP answers the engine writes itself under
 *   /socket.io/ (long-polling, and its 400/403 refusals), which no Express middleware sees. An
 *   engine middleware runs before the engine answers anything, so what it sets on the response
 *   is merged into every answer the engine then writes; the `headers` and `initial_headers`
 *   events would miss the refusals;
 * - with several instances (REDIS_URL), the Redis streams adapter (socket-io-redis.ts): room
 *   emits and recovered sessions reach every instance.
 *
 * Shutdown closes the server (Nest's socket module, before the HTTP server and before the Redis
 * connection): every socket ends with "server shutting down", a reason connection state recovery
 * keeps the session for, so its client reconnects (to another instance) and gets what it missed.
 */
export class BrokerIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly cluster?: IoCluster,
  ) {
    super(app);
  }

  override createIOServer(...[port, options]: Parameters<IoAdapter['createIOServer']>): IoServer {
    const merged = { ...options, ...IO_SERVER_OPTIONS } as NonNullable<typeof options>;
    if (this.cluster) Object.assign(merged, { adapter: this.cluster.adapter });
    const server = super.createIOServer(port, merged);
    server.engine.use((_request: unknown, response: ServerResponse, next: () => void) => {
      setSecurityHeaders(response);
      next();
    });
    return server;
  }

  override async close(server: IoServer): Promise<void> {
    await super.close(server);
    this.cluster?.close();
  }
}
