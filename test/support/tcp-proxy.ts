import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** What the proxy does with connections: pass them on, or fail as a network or server does. */
export type ProxyMode = 'forward' | 'refuse' | 'reset' | 'blackhole';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Bytes were dropped: the protocol on this connection is out of step for good, so it stays silent. */
  lost: boolean;
}

/**
 * A TCP proxy on 127.0.0.1 between the broker and a server (PostgreSQL), which a test switches:
 * - `forward`: bytes pass both ways (new connections reach the server again);
 * - `refuse`: the port is closed (ECONNREFUSED) and open connections are reset, as when the
 *   server is down;
 * - `reset`: every open and new connection is reset (ECONNRESET);
 * - `blackhole`: connections are accepted and bytes taken, but nothing is forwarded either way,
 *   as when a link, a NAT entry or a failed-over server silently drops packets. A connection that
 *   lost bytes stays silent after `forward()` (its peer never saw them); the others carry on.
 */
export class TcpProxy {
  private mode: ProxyMode = 'forward';
  private readonly pairs = new Set<Pair>();
  private server?: Server;
  private listeningPort = 0;

  constructor(
    private target: { host: string; port: number },
    private readonly host = '127.0.0.1',
  ) {}

  get port(): number {
    return this.listeningPort;
  }

  /** A URL like `url` that leads through this proxy. */
  through(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = this.host;
    proxied.port = String(this.port);
    return proxied.toString();
  }

  async listen(): Promise<this> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listeningPort, this.host, () => resolve());
    });
    this.server = server;
    this.listeningPort = (server.address() as { port: number }).port;
    return this;
  }

  /** New connections go to `target` from now on (a load balancer moving to another server). */
  retarget(target: { host: string; port: number }): void {
    this.target = target;
  }

  forward(): Promise<void> {
    return this.switchTo('forward');
  }

  refuse(): Promise<void> {
    return this.switchTo('refuse');
  }

  reset(): Promise<void> {
    return this.switchTo('reset');
  }

  blackhole(): Promise<void> {
    return this.switchTo('blackhole');
  }

  /** How many connections are open through the proxy (silent ones included). */
  get openConnections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.end(pair);
    await this.stopListening();
  }

  private async switchTo(mode: ProxyMode): Promise<void> {
    this.mode = mode;
    if (mode === 'refuse' || mode === 'reset') for (const pair of this.pairs) this.end(pair);
    if (mode === 'refuse') await this.stopListening();
    else if (!this.server) await this.listen();
  }

  private accept(client: Socket): void {
    if (this.mode === 'reset' || this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(this.target);
    const pair: Pair = { client, upstream, lost: false };
    this.pairs.add(pair);
    const pass = (to: Socket) => (chunk: Buffer) => {
      if (this.mode === 'blackhole') pair.lost = true;
      if (!pair.lost) to.write(chunk);
    };
    client.on('data', pass(upstream));
    upstream.on('data', pass(client));
    // A silent connection does not pass its end on either: the peer would never learn of it.
    const close = (other: Socket) => () => {
      if (!pair.lost && this.mode !== 'blackhole') other.end();
    };
    client.on('end', close(upstream));
    upstream.on('end', close(client));
    const gone = () => {
      if (client.destroyed && upstream.destroyed) this.pairs.delete(pair);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', () => this.end(pair));
      socket.on('close', gone);
    }
  }

  private end(pair: Pair): void {
    pair.client.resetAndDestroy();
    pair.upstream.resetAndDestroy();
    this.pairs.delete(pair);
  }

  private async stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
