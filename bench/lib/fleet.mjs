/**
 * Several broker instances on one fresh PostgreSQL database and a private Redis, against one
 * simulator process: the shape docs/scaling.md describes, on loopback.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { Cluster, SECRET, directory, freePort } from './cluster.mjs';
import { startProcess, waitForHttp } from './processes.mjs';

const ADMIN_URL = process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export class Fleet {
  /** `technicians`: people tech0..; `env`: every instance's extra settings. */
  constructor({ technicians, env = {}, extraPeople = [] }) {
    this.extraPeople = extraPeople;
    this.sim = new Cluster({ technicians, withBroker: false });
    this.technicians = technicians;
    this.env = env;
    this.instances = [];
    this.next = 0;
  }

  async start() {
    await this.sim.start();
    this.database = `bench_${randomUUID().replaceAll('-', '')}`;
    await this.admin((client) => client.query(`CREATE DATABASE ${this.database}`));
    const url = new URL(ADMIN_URL);
    url.pathname = `/${this.database}`;
    this.databaseUrl = url.toString();
    this.db = new pg.Pool({ connectionString: this.databaseUrl, max: 2 });
    this.redisPort = await freePort();
    this.redis = spawn(
      'redis-server',
      ['--port', String(this.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.directoryFile = join(this.sim.dir, 'people.json');
    writeFileSync(
      this.directoryFile,
      JSON.stringify(directory(this.technicians, this.extraPeople)),
    );
    return this;
  }

  async admin(job) {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      return await job(client);
    } finally {
      await client.end();
    }
  }

  /** Starts one more instance; resolves once it answers. */
  async add() {
    const port = await freePort();
    const id = `i${this.next++}`;
    const env = {
      PORT: String(port),
      XASSIST_BASE_URL: this.sim.simBase,
      XASSIST_USERNAME: 'connector',
      XASSIST_PASSWORD: 'bench-password',
      XASSIST_DOMAIN: 'bench',
      AUTH_JWT_SECRET: SECRET,
      DIRECTORY_FILE: this.directoryFile,
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: `redis://127.0.0.1:${this.redisPort}`,
      INSTANCE_ID: id,
      EXPERT_ANSWER_TIMEOUT_MS: '3600000',
      TECHNICIAN_JOIN_TIMEOUT_MS: '3600000',
      LOG_LEVEL: 'warn',
      DATA_ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 'bench-data-key').toString('base64')}`,
      QUOTA_CREATES_PER_MINUTE: '1000000',
      QUOTA_SOCKETS_PER_PERSON: '1000000',
      QUOTA_SOCKET_MESSAGES_PER_SECOND: '1000000',
      ...this.env,
    };
    const url = `http://127.0.0.1:${port}`;
    const process = startProcess(`broker ${id}`, 'dist/main.js', [], env);
    await waitForHttp(`${url}/healthz`);
    const instance = { id, url, process, pool: new Pool(url, { connections: 16 }) };
    this.instances.push(instance);
    return instance;
  }

  get live() {
    return this.instances.filter((i) => i.process.child.exitCode === null && !i.gone);
  }

  /** Creates a call for tech<i> with expert exp<i % 10> on the instances in turn. */
  async createCall(i) {
    const live = this.live;
    const instance = live[i % live.length];
    const response = await instance.pool.request({
      method: 'POST',
      path: '/v1/calls',
      headers: {
        authorization: `Bearer ${this.sim.token('erp')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        technicianId: `tech${i}`,
        expertIds: [`exp${i % 10}`],
        title: `Bench call ${i}`,
      }),
    });
    const json = await response.body.json();
    if (response.statusCode >= 400)
      throw new Error(`create: ${response.statusCode} ${json.message}`);
    return json;
  }

  /** Live leases by holder: Map<instance id, broker call ids>. */
  async holders() {
    const { rows } = await this.db.query(
      `SELECT owner, call_id FROM call_leases WHERE owner IS NOT NULL
          AND expires_at_ms > floor(extract(epoch from clock_timestamp()) * 1000)`,
    );
    const map = new Map();
    for (const row of rows) map.set(row.owner, [...(map.get(row.owner) ?? []), row.call_id]);
    return map;
  }

  /**
   * Until the live instances hold every one of `xassistIds.length` leases, none more than 2 above
   * another: read once per round of polls (the simulator says when), not on a timer.
   */
  async balanced(xassistIds, timeoutMs = 60_000) {
    const until = Date.now() + timeoutMs;
    const ids = new Set(this.live.map((i) => i.id));
    for (;;) {
      const holders = await this.holders();
      const counts = [...ids].map((id) => holders.get(id)?.length ?? 0);
      const held = counts.reduce((a, b) => a + b, 0);
      if (held === xassistIds.length && Math.max(...counts) - Math.min(...counts) <= 2)
        return holders;
      if (Date.now() > until) throw new Error(`not balanced: ${counts.join(', ')}`);
      await this.polledAgain(xassistIds, 1, 10_000).catch(() => false); // 408: look again
    }
  }

  /** Resolves once each call was polled `more` times more than now (the simulator counts). */
  async polledAgain(xassistIds, more = 1, timeoutMs = 60_000) {
    const answer = await this.sim.control('POST', 'polls/wait', {
      callIds: xassistIds,
      more,
      timeoutMs,
    });
    return answer.reached === true;
  }

  async stop() {
    for (const instance of this.instances) {
      await instance.pool.close();
      instance.process.child.kill('SIGKILL');
    }
    await this.db?.end();
    this.redis?.kill('SIGKILL');
    await this.sim.stop();
    if (this.database)
      await this.admin((c) => c.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`));
  }
}
