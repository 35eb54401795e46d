/** The measurements of issue #5, each against fresh processes. */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { Cluster, EXPERTS, inParallel } from './lib/cluster.mjs';
import { memoryAfterGc } from './lib/inspector.mjs';
import { cpuSeconds } from './lib/processes.mjs';
import { median, percentile } from './lib/stats.mjs';

// The CommonJS build: the ESM entry Node resolves is socket.io-client's debug build, which
// would make the driver, not the broker, the bottleneck of the fan-out measurement.
const { io } = createRequire(import.meta.url)('socket.io-client');

const RINGING_MS = 1000;
const CONNECTED_SHARE = 0.8;

export function connectSocket(url, token) {
  const socket = io(url, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Median round trip of getCallLogById from a separate client while the system is under load. */
async function roundTripMs(cluster, xassistCallId) {
  const token = await cluster.simulatorToken();
  const samples = [];
  for (let i = 0; i < 40; i++) {
    const started = performance.now();
    const response = await cluster.simPool.request({
      method: 'GET',
      path: `${new URL('rtc/getCallLogById', cluster.simBase).pathname}?callId=${xassistCallId}`,
      headers: { authorization: `Bearer ${token}` },
    });
    await response.body.text();
    samples.push(performance.now() - started);
    await sleep(10);
  }
  return median(samples);
}

/** Background load: `calls` calls, most of them connected, the rest ringing. */
async function loadCalls(cluster, calls, firstTechnician) {
  const created = await inParallel(
    Array.from({ length: calls }, (_, i) => firstTechnician + i),
    16,
    (i) => cluster.createCall(i),
  );
  const connected = created.slice(0, Math.round(calls * CONNECTED_SHARE));
  await inParallel(connected, 16, async (call, index) => {
    await cluster.join(call.xassistCallId, `exp${index % EXPERTS}`);
    await cluster.join(call.xassistCallId, `user${1000 + firstTechnician + index}`);
  });
  return created;
}

/**
 * Invite latency, upstream cost, memory and CPU with `followed` calls at once.
 * Probes: technicians with a socket whose expert joins at a random moment.
 */
export async function inviteLatency({ followed, rounds, probesPerRound, log }) {
  // Each round's probe calls are ended after it, so `followed` calls are followed throughout.
  const probes = rounds * probesPerRound;
  const background = followed - probesPerRound;
  const cluster = await new Cluster({ technicians: followed + probes }).start();
  try {
    const pid = cluster.broker.child.pid;
    await sleep(1000);
    const baseline = await memoryAfterGc(cluster.inspectPort);
    log(`  ${followed} calls: creating ${background} background calls`);
    await loadCalls(cluster, background, probes);
    await sleep(RINGING_MS * 2);

    const perRound = [];
    const allLatencies = [];
    let rtt = NaN;
    for (let round = 0; round < rounds; round++) {
      const technicianIds = Array.from(
        { length: probesPerRound },
        (_, j) => round * probesPerRound + j,
      );
      const sockets = await inParallel(technicianIds, 20, (i) =>
        connectSocket(cluster.brokerUrl, cluster.token(`tech${i}`)),
      );
      const arrivals = new Map();
      sockets.forEach((socket) =>
        socket.on('call.invite', ({ call }) => arrivals.set(call.xassistCallId, Date.now())),
      );
      const calls = await inParallel(technicianIds, 16, (i) => cluster.createCall(i));
      await sleep(RINGING_MS * 1.5);
      if (round === 0) rtt = await roundTripMs(cluster, calls[0].xassistCallId);

      // Experts join at random moments over three ringing periods.
      const joins = new Map();
      await Promise.all(
        calls.map(async (call, j) => {
          await sleep(Math.random() * RINGING_MS * 3);
          joins.set(
            call.xassistCallId,
            await cluster.join(call.xassistCallId, `exp${technicianIds[j] % EXPERTS}`),
          );
        }),
      );
      const until = Date.now() + RINGING_MS * 4;
      while (arrivals.size < calls.length && Date.now() < until) await sleep(20);
      const latencies = [...joins]
        .filter(([id]) => arrivals.has(id))
        .map(([id, joinedAt]) => arrivals.get(id) - joinedAt);
      const lost = calls.length - latencies.length;
      if (lost > 0) log(`  round ${round}: ${lost} invites did not arrive`);
      perRound.push({ median: median(latencies), p99: percentile(latencies, 99) });
      allLatencies.push(...latencies);
      sockets.forEach((socket) => socket.close());
      await inParallel(calls, 16, (call) =>
        cluster.control('POST', `calls/${call.xassistCallId}/end`),
      );
    }

    // Steady state (the last round's probes now ended too): upstream requests and CPU over a window.
    await sleep(RINGING_MS * 6);
    const windowMs = 15_000;
    const statsBefore = await cluster.control('GET', 'stats');
    const cpuBefore = cpuSeconds(pid);
    const started = Date.now();
    await sleep(windowMs);
    const elapsed = (Date.now() - started) / 1000;
    const statsAfter = await cluster.control('GET', 'stats');
    const cpu = (cpuSeconds(pid) - cpuBefore) / elapsed;
    const polls =
      statsAfter.requests['rtc/getCallLogById'] - statsBefore.requests['rtc/getCallLogById'];

    // Memory of a broker that follows the calls, without the garbage their creation left behind:
    // restarted on the same database, it resumes every unfinished call.
    await cluster.restartBroker();
    await sleep(RINGING_MS * 12);
    const memory = await memoryAfterGc(cluster.inspectPort);

    return {
      followed,
      probesPerRound,
      rtt,
      floor: RINGING_MS / 2 + rtt,
      perRound,
      p99All: percentile(allLatencies, 99),
      samples: allLatencies.length,
      pollsPerCallMinute: polls / background / (elapsed / 60),
      cpu,
      rssPerCall: (memory.rss - baseline.rss) / background,
      heapPerCall: (memory.heapUsed - baseline.heapUsed) / background,
    };
  } finally {
    await cluster.stop();
  }
}

/** The naive connector at one fixed period over the same mix; its invite latency and request rate. */
export async function naiveConnector({ followed, periodMs, probes, log }) {
  const cluster = await new Cluster({ technicians: followed + probes }).start();
  let connector;
  try {
    // Calls are created through a throwaway broker-less path: the simulator's own API, as a connector would.
    const token = await cluster.simulatorToken();
    const createCall = (i) => cluster.createSimulatorCall(i, token);
    log(`  naive connector: ${followed} calls at a ${periodMs} ms period`);
    const background = await inParallel(
      Array.from({ length: followed - probes }, (_, i) => probes + i),
      16,
      createCall,
    );
    await inParallel(
      background.slice(0, Math.round(background.length * CONNECTED_SHARE)),
      16,
      async (call, index) => {
        await cluster.join(call.callId, `exp${(probes + index) % EXPERTS}`);
        await cluster.join(call.callId, `user${1000 + probes + index}`);
      },
    );
    const probeCalls = await inParallel(
      Array.from({ length: probes }, (_, i) => i),
      16,
      createCall,
    );

    connector = spawn(process.execPath, ['bench/naive-connector.mjs'], {
      env: { ...process.env, ...cluster.simulatorCredentials, NAIVE_PERIOD_MS: String(periodMs) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const invites = new Map();
    const ready = new Promise((resolve) => {
      createInterface({ input: connector.stdout }).on('line', (line) => {
        if (line === 'READY') resolve();
        const [kind, callId, at] = line.split(' ');
        if (kind === 'INVITE') invites.set(callId, Number(at));
      });
    });
    await ready;
    await sleep(periodMs * 2);

    const statsBefore = await cluster.control('GET', 'stats');
    const cpuBefore = cpuSeconds(connector.pid);
    const started = Date.now();
    const joins = new Map();
    await Promise.all(
      probeCalls.map(async (call, i) => {
        await sleep(Math.random() * periodMs * 3);
        joins.set(call.callId, await cluster.join(call.callId, `exp${i % EXPERTS}`));
      }),
    );
    await sleep(Math.max(0, 15_000 - (Date.now() - started)));
    const elapsed = (Date.now() - started) / 1000;
    const statsAfter = await cluster.control('GET', 'stats');
    const polls =
      statsAfter.requests['rtc/getCallLogById'] - statsBefore.requests['rtc/getCallLogById'];
    const latencies = [...joins]
      .filter(([id]) => invites.has(id))
      .map(([id, at]) => invites.get(id) - at);
    return {
      followed,
      periodMs,
      median: median(latencies),
      p99: percentile(latencies, 99),
      pollsPerCallMinute: polls / followed / (elapsed / 60),
      cpu: (cpuSeconds(connector.pid) - cpuBefore) / elapsed,
    };
  } finally {
    connector?.kill('SIGKILL');
    await cluster.stop();
  }
}

/** `sockets` supervisors connected; latency from an event's time to its call.updated arriving. */
export async function fanOut({ sockets, events, log }) {
  const cluster = await new Cluster({ technicians: events }).start();
  try {
    await sleep(500);
    const before = await memoryAfterGc(cluster.inspectPort);
    log(`  fan-out: connecting ${sockets} sockets`);
    const token = cluster.token('sup');
    const clients = await inParallel(Array.from({ length: sockets }), 50, () =>
      connectSocket(cluster.brokerUrl, token),
    );
    await sleep(1000);
    const after = await memoryAfterGc(cluster.inspectPort);

    const latencies = [];
    let watching = false;
    for (const socket of clients) {
      socket.on('call.updated', ({ events: batch }) => {
        if (watching) latencies.push(Date.now() - Date.parse(batch[0].at));
      });
    }
    const calls = await inParallel(
      Array.from({ length: events }, (_, i) => i),
      8,
      (i) => cluster.createCall(i),
    );
    await sleep(RINGING_MS * 1.5);
    watching = true;
    for (const [i, call] of calls.entries()) {
      await cluster.join(call.xassistCallId, `exp${i % EXPERTS}`);
      await sleep(RINGING_MS / 2);
    }
    await sleep(RINGING_MS * 2);
    watching = false;
    clients.forEach((socket) => socket.close());
    return {
      sockets,
      samples: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      rssPerSocket: (after.rss - before.rss) / sockets,
      heapPerSocket: (after.heapUsed - before.heapUsed) / sockets,
    };
  } finally {
    await cluster.stop();
  }
}
