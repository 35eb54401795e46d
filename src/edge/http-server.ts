import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { createServer } from 'node:http';
import type { HttpTimeouts } from '../config/http-config.js';

/**
 * Express on a Node HTTP server with our timeouts for slow clients (slowloris): Node only checks
 * headersTimeout and requestTimeout every `connectionsCheckingInterval`, which can be set only
 * when the server is created (30 s by default), hence creating it here rather than in Nest.
 */
export class TimedExpressAdapter extends ExpressAdapter {
  constructor(private readonly timeouts: HttpTimeouts) {
    super();
  }

  override initHttpServer(options: NestApplicationOptions): void {
    super.initHttpServer({ ...options, forceCloseConnections: false });
    const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = this.timeouts;
    const server = createServer(
      {
        headersTimeout: headersTimeoutMs,
        requestTimeout: requestTimeoutMs,
        keepAliveTimeout: keepAliveTimeoutMs,
        connectionsCheckingInterval: Math.min(1000, headersTimeoutMs),
      },
      this.getInstance(),
    );
    this.setHttpServer(server);
    // Nest's own tracking, attached to the server it would have used (private in its typings).
    if (options.forceCloseConnections) {
      (this as unknown as { trackOpenConnections(): void }).trackOpenConnections();
    }
  }
}
