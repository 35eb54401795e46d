/**
 * `node bench/xassist-recovery.mjs [--trials N] [--calls N] [--blip MS]`: how long after an xAssist
 * blip the first invite reaches a technician's glasses (issue 9, finding 1). The broker runs from
 * dist/ with its default breaker and poll settings, the simulator as its own process. Each trial:
 * `--calls` ringing calls with a technician socket each; the simulator's tokens expire, then it
 * answers 503 for half the blip and HTML 502 pages for the rest, while every expert joins; the
 * figure is the first (and last) `call.invite` after the blip ended, on this machine's clock.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, EXPERTS, inParallel } from './lib/cluster.mjs';
import { median } from './lib/stats.mjs';

const { io } = createRequire(import.meta.url)('socket.io-client');
const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '5' },
    calls: { type: 'string', default: '20' },
    blip: { type: 'string', default: '300' },
  },
});
const trials = Number(values.trials);
const calls = Number(values.calls);
const blipMs = Number(values.blip);

function connectSocket(url, token) {
  const socket = io(url, { auth: { token }, transports: ['websocket'], forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function trial(cluster, round) {
  const first = round * calls;
  const technicians = Array.from({ length: calls }, (_, i) => first + i);
  const invites = [];
  const sockets = await Promise.all(
    technicians.map(async (i) => {
      const socket = await connectSocket(cluster.brokerUrl, cluster.token(`tech${i}`));
      socket.on('call.invite', () => invites.push(Date.now()));
      return socket;
    }),
  );
  const created = await inParallel(technicians, 8, (i) => cluster.createCall(i));
  await sleep(2_000); // every call has been polled a few times: the blip meets a steady state

  await cluster.control('POST', 'tokens/expire');
  await cluster.control('POST', 'faults', { kind: 'status', status: 503, forMs: blipMs / 2 });
  await cluster.control('POST', 'faults', { kind: 'html', status: 502, forMs: blipMs });
  const healthyAt = Date.now() + blipMs;
  await inParallel(created, 8, (call, index) =>
    cluster.join(call.xassistCallId, `exp${(first + index) % EXPERTS}`),
  );
  const until = Date.now() + 60_000;
  while (invites.length < calls && Date.now() < until) await sleep(20);
  for (const socket of sockets) socket.close();
  for (const call of created) await cluster.control('POST', `calls/${call.xassistCallId}/end`);
  const sorted = invites.sort((a, b) => a - b);
  return {
    firstMs: sorted[0] - healthyAt,
    lastMs: sorted[sorted.length - 1] - healthyAt,
    received: sorted.length,
  };
}

const cluster = await new Cluster({ technicians: trials * calls }).start();
try {
  const results = [];
  for (let round = 0; round < trials; round++) {
    const result = await trial(cluster, round);
    results.push(result);
    process.stderr.write(
      `trial ${round + 1}: first invite ${result.firstMs} ms, last ${result.lastMs} ms after the blip (${result.received}/${calls})\n`,
    );
    await sleep(1_000);
  }
  const firsts = results.map((r) => r.firstMs);
  const lasts = results.map((r) => r.lastMs);
  console.log(
    `${calls} calls, ${blipMs} ms blip, ${trials} trials: first invite after xAssist is healthy again: median ${median(firsts)} ms, max ${Math.max(...firsts)} ms; last invite: median ${median(lasts)} ms, max ${Math.max(...lasts)} ms`,
  );
} finally {
  await cluster.stop();
}
