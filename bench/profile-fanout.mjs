/**
 * `node bench/profile-fanout.mjs [sockets]`: where the time goes when one event fans out to many
 * sockets. CPU-profiles the broker (over the inspector) and this driver while five experts join,
 * and prints the spread between the first and the last delivery of each event.
 */
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, inParallel } from './lib/cluster.mjs';
import { startCpuProfile, topSelfTime } from './lib/inspector.mjs';
import { percentile } from './lib/stats.mjs';

// The CommonJS build: the ESM entry Node resolves is socket.io-client's debug build.
const { io } = createRequire(import.meta.url)('socket.io-client');
const sockets = Number(process.argv[2] ?? 10000);
const cluster = await new Cluster({ technicians: 5 }).start();
try {
  const token = cluster.token('sup');
  const clients = await inParallel(
    Array.from({ length: sockets }),
    50,
    () =>
      new Promise((resolve, reject) => {
        const socket = io(cluster.brokerUrl, {
          auth: { token },
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
      }),
  );
  const latencies = [];
  const arrivals = new Map();
  for (const socket of clients) {
    socket.on('call.updated', ({ call, events }) => {
      const now = Date.now();
      latencies.push(now - Date.parse(events[0].at));
      const key = `${call.id}#${events[0].seq}`;
      const [first] = arrivals.get(key) ?? [now];
      arrivals.set(key, [first, now]);
    });
  }
  const calls = await inParallel([0, 1, 2, 3, 4], 5, (i) => cluster.createCall(i));
  await sleep(2000);
  latencies.length = 0;
  arrivals.clear();

  const stopBroker = await startCpuProfile(cluster.inspectPort);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  for (const [i, call] of calls.entries()) {
    await cluster.join(call.xassistCallId, `exp${i}`);
    await sleep(1500);
  }
  const broker = await stopBroker();
  const { profile: driver } = await session.post('Profiler.stop');

  console.log(
    `${sockets} sockets, ${latencies.length} deliveries: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`,
  );
  for (const [key, [first, last]] of arrivals)
    console.log(`  ${key}: last delivery ${last - first} ms after the first`);
  console.log('broker, self time:');
  for (const row of topSelfTime(broker)) console.log('  ', ...row);
  console.log('driver, self time:');
  for (const row of topSelfTime(driver)) console.log('  ', ...row);
  clients.forEach((socket) => socket.close());
} finally {
  await cluster.stop();
}
