/**
 * What rings the glasses when an expert joins, behind one shape, so that the budget bench drives
 * the broker (one instance or several) and the naive connector alike:
 *   sim: the simulator's Cluster handle (control API, join, token);
 *   createCall(i): technician tech<i>'s call with expert exp<i % 10>, resolves to its xAssist id;
 *   glasses(i): connects tech<i>'s glasses (a socket.io client; nothing for the naive connector);
 *   onInvite(listener): listener(xassistCallId, epochMs) for every invite the glasses get;
 *   spent(): the broker's xAssist requests so far by priority, summed over its instances (its
 *     /metrics' broker_xassist_requests_total; {} for the naive connector, which has none);
 *   stop().
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { connectSocket } from '../scenarios.mjs';
import { Cluster } from './cluster.mjs';
import { Fleet } from './fleet.mjs';
import { waitForHttp } from './processes.mjs';

/** The broker from dist/ with `env`: one instance on SQLite, or `instances` on PostgreSQL and Redis. */
export async function brokerSystem({ technicians, env, instances = 1 }) {
  let sim;
  let urls;
  let create;
  let stopAll;
  if (instances === 1) {
    const cluster = await new Cluster({ technicians, brokerEnv: env }).start();
    [sim, urls] = [cluster, [cluster.brokerUrl]];
    create = (i) => cluster.createCall(i);
    stopAll = () => cluster.stop();
  } else {
    const fleet = await new Fleet({ technicians, env }).start();
    stopAll = () => fleet.stop();
    try {
      for (let k = 0; k < instances; k++) await fleet.add();
    } catch (error) {
      await stopAll();
      throw error;
    }
    [sim, urls] = [fleet.sim, fleet.instances.map((instance) => instance.url)];
    create = (i) => fleet.createCall(i);
  }
  // Logged in to xAssist: what an instance does before its first call is not the bench's business.
  for (const url of urls) await waitForHttp(`${url}/readyz`);
  const sockets = [];
  const listeners = new Set();
  return {
    sim,
    urls,
    async createCall(i) {
      return (await create(i)).xassistCallId;
    },
    async glasses(i) {
      // Spread over the instances: an invite reaches a socket on another instance through Redis.
      const socket = await connectSocket(urls[i % urls.length], sim.token(`tech${i}`));
      socket.on('call.invite', ({ xassistCallId }) => {
        const at = Date.now();
        for (const listener of listeners) listener(xassistCallId, at);
      });
      sockets.push(socket);
    },
    onInvite: (listener) => listeners.add(listener),
    async spent() {
      const byPriority = {};
      for (const url of urls) {
        const text = await (await fetch(`${url}/metrics`)).text();
        for (const [, priority, count] of text.matchAll(
          /^broker_xassist_requests_total\{priority="(\w+)"[^}]*\} (\d+)$/gm,
        ))
          byPriority[priority] = (byPriority[priority] ?? 0) + Number(count);
      }
      return byPriority;
    },
    async stop() {
      for (const socket of sockets) socket.close();
      await stopAll();
    },
  };
}

/**
 * bench/naive-connector.mjs polling every call every `periodMs`; the calls are created at the
 * simulator itself (by the driver, as the connector's users would), and an invite is its
 * `INVITE <xassistCallId> <epochMs>` line.
 */
export async function naiveSystem({ technicians, periodMs }) {
  const sim = await new Cluster({ technicians, withBroker: false }).start();
  const token = await sim.simulatorToken();
  const listeners = new Set();
  const connector = spawn(process.execPath, ['bench/naive-connector.mjs'], {
    env: { ...process.env, ...sim.simulatorCredentials, NAIVE_PERIOD_MS: String(periodMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise((resolve, reject) => {
      connector.once('exit', (code) => reject(new Error(`the naive connector exited (${code})`)));
      createInterface({ input: connector.stdout }).on('line', (line) => {
        if (line === 'READY') resolve();
        const [kind, callId, at] = line.split(' ');
        if (kind === 'INVITE') for (const listener of listeners) listener(callId, Number(at));
      });
    });
  } catch (error) {
    await sim.stop();
    throw error;
  }
  return {
    sim,
    async createCall(i) {
      return (await sim.createSimulatorCall(i, token)).callId;
    },
    async glasses() {},
    onInvite: (listener) => listeners.add(listener),
    spent: async () => ({}),
    async stop() {
      connector.kill('SIGKILL');
      await sim.stop();
    },
  };
}
