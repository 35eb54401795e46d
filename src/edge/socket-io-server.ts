import { IoAdapter } from '@nestjs/platform-socket.io';
import type { ServerResponse } from 'node:http';
import { IO_SERVER_OPTIONS } from './io-server-options.js';
import { setSecurityHeaders } from './security-headers.js';

type IoServer = ReturnType<IoAdapter['createIOServer']>;

/**
 * socket.io as Nest makes it, with two things a gateway decorator cannot be relied on for:
 *
 * - the server's options (IO_SERVER_OPTIONS), whichever gateway Nest scans first;
 * - the broker's security headers on the HTTP answers the engine writes itself under
 *   /socket.io/ (long-polling, and its 400/403 refusals), which no Express middleware sees. An
 *   engine middleware runs before the engine answers anything, so what it sets on the response
 *   is merged into every answer the engine then writes; the `headers` and `initial_headers`
 *   events would miss the refusals.
 */
export class BrokerIoAdapter extends IoAdapter {
  override createIOServer(...[port, options]: Parameters<IoAdapter['createIOServer']>): IoServer {
    const merged = { ...options, ...IO_SERVER_OPTIONS } as NonNullable<typeof options>;
    const server = super.createIOServer(port, merged);
    server.engine.use((_request: unknown, response: ServerResponse, next: () => void) => {
      setSecurityHeaders(response);
      next();
    });
    return server;
  }
}
