import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { waitFor } from './broker-harness.js';
import type { BrokerProcess } from './broker-process.js';
import { freePort } from './free-port.js';
import { ProductionBrokers } from './production-broker.js';

/**
 * A round-robin TCP balancer on 127.0.0.1, as a plain L4 load balancer with passive health checks:
 * each new connection goes to the next backend; one that refuses is skipped. No stickiness: clients
 * use the websocket transport, whose one connection stays on one instance.
 */
export class RoundRobinBalancer {
  private server?: Server;
  private next = 0;
  private readonly open = new Set<Socket>();
  readonly backends: number[] = [];
  port = 0;

  async listen(): Promise<string> {
    this.server = createServer((client) => this.accept(client, 0));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return `http://127.0.0.1:${this.port}`;
  }

  private accept(client: Socket, tried: number): void {
    client.pause();
    if (tried >= this.backends.length) return void client.resetAndDestroy();
    const port = this.backends[this.next++ % this.backends.length];
    const upstream = createConnection({ host: '127.0.0.1', port });
    upstream.once('error', () => {
      if (upstream.bytesRead === 0 && !client.destroyed) return this.accept(client, tried + 1);
      client.destroy();
    });
    upstream.once('connect', () => {
      this.open.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      client.resume();
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.open.delete(client);
        this.open.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
  }

  async close(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}

/** A Redis server of the suite's own (never the shared one), so that a test may kill and restart it. */
export class PrivateRedis {
  static readonly binary = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((path) =>
    existsSync(path),
  );
  private child?: ChildProcess;
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const child = spawn(
      PrivateRedis.binary!,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    this.child = child;
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      async () => output,
      (text) => /Ready to accept connections/.test(text) || child.exitCode !== null,
      10_000,
    );
    if (child.exitCode !== null) throw new Error(`redis-server did not start:\n${output}`);
  }

  /** Gone at once, as a crashed server: no goodbye to its clients. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

export interface Instance {
  id: string;
  run: BrokerProcess;
  url: string;
  port: number;
}

/**
 * Several production broker processes on one fresh PostgreSQL database and a private Redis,
 * against the simulator, behind a round-robin balancer.
 */
export class BrokerCluster extends ProductionBrokers {
  readonly redis = new PrivateRedis();
  readonly balancer = new RoundRobinBalancer();
  readonly instances: Instance[] = [];
  db!: pg.Pool;
  balancerUrl = '';

  constructor(
    name: string,
    private readonly databaseUrl: string,
    users?: ConstructorParameters<typeof ProductionBrokers>[1],
  ) {
    super(name, users);
  }

  async setUpCluster(options: Parameters<ProductionBrokers['setUp']>[0] = {}): Promise<void> {
    await this.redis.start();
    await this.setUp({
      ...options,
      env: {
        DATABASE_URL: this.databaseUrl,
        REDIS_URL: this.redis.url,
        ...options.env,
      },
    });
    this.db = new pg.Pool({ connectionString: this.databaseUrl, max: 2 });
    this.balancerUrl = await this.balancer.listen();
  }

  /** Starts an instance named `id` and puts it behind the balancer. */
  async startInstance(id: string): Promise<Instance> {
    const port = await freePort();
    const saved = this.env;
    this.env = { ...saved, INSTANCE_ID: id, PORT: String(port) };
    const starting = this.start(); // reads the environment before its first await
    this.env = saved;
    const { run, url } = await starting;
    const instance = { id, run, url, port };
    this.instances.push(instance);
    this.balancer.backends.push(port);
    return instance;
  }

  /** The instances still running (a killed one has a signal code, not an exit code). */
  live(): Instance[] {
    return this.instances.filter(
      ({ run }) => run.child.exitCode === null && run.child.signalCode === null,
    );
  }

  instance(id: string): Instance {
    return this.instances.find((candidate) => candidate.id === id)!;
  }

  /** How many unfinished calls' leases each live holder has. */
  async leaseHolders(): Promise<Map<string, string[]>> {
    const { rows } = await this.db.query<{ owner: string; call_id: string }>(
      `SELECT owner, call_id FROM call_leases
        WHERE owner IS NOT NULL
          AND expires_at_ms > floor(extract(epoch from clock_timestamp()) * 1000)`,
    );
    const holders = new Map<string, string[]>();
    for (const row of rows)
      holders.set(row.owner, [...(holders.get(row.owner) ?? []), row.call_id]);
    return holders;
  }

  async tearDownCluster(): Promise<void> {
    await this.tearDown();
    await this.balancer.close();
    await this.db?.end();
    await this.redis.kill();
  }
}
