/**
 * Several instances (issue 20): polls per call-minute with 3 instances against 1, the time to take
 * a lost instance's calls over (kill -9 and SIGTERM), and the p99 push latency of 10,000 sockets
 * spread over 2 instances against 1. `npm run bench -- --only cluster [--quick]`.
 */
import { loadavg } from 'node:os';
import { inParallel } from './lib/cluster.mjs';
import { Fleet } from './lib/fleet.mjs';
import { connectSocket } from './scenarios.mjs';
import { rewriteSection } from './lib/docs-section.mjs';
import { fmt, median, percentile, summarize } from './lib/stats.mjs';

const range = (n) => Array.from({ length: n }, (_, i) => i);

async function pollCounts(fleet) {
  return (await fleet.sim.control('GET', 'stats')).pollsByCall;
}

/** Polls per call-minute of `calls` ringing calls followed by `instances` instances. */
async function pollRate({ instances, calls, log }) {
  const fleet = await new Fleet({ technicians: calls }).start();
  try {
    for (let i = 0; i < instances; i++) await fleet.add();
    const created = await inParallel(range(calls), 16, (i) => fleet.createCall(i));
    await fleet.balanced(created.map((call) => call.xassistCallId));
    const ids = created.map((call) => call.xassistCallId);
    const before = await pollCounts(fleet);
    const started = Date.now();
    await fleet.polledAgain(ids, 10);
    const minutes = (Date.now() - started) / 60_000;
    const after = await pollCounts(fleet);
    const polls = ids.reduce((sum, id) => sum + (after[id] ?? 0) - (before[id] ?? 0), 0);
    log(
      `  ${instances} instance(s): ${polls} polls of ${calls} calls in ${(minutes * 60).toFixed(1)} s`,
    );
    return polls / calls / minutes;
  } finally {
    await fleet.stop();
  }
}

/** Time from the signal to every call of the instance with the most leases polled by another. */
async function takeovers({ calls, reps, signal, log }) {
  const fleet = await new Fleet({ technicians: calls }).start();
  try {
    for (let i = 0; i < 3; i++) await fleet.add();
    const created = await inParallel(range(calls), 16, (i) => fleet.createCall(i));
    const xassistOf = new Map(created.map((call) => [call.id, call.xassistCallId]));
    const times = [];
    for (let rep = 0; rep < reps; rep++) {
      const holders = await fleet.balanced([...xassistOf.values()]);
      const victim = fleet.live.sort(
        (a, b) => (holders.get(b.id)?.length ?? 0) - (holders.get(a.id)?.length ?? 0),
      )[0];
      const ids = holders.get(victim.id).map((id) => xassistOf.get(id));
      const started = performance.now();
      victim.gone = true;
      victim.process.child.kill(signal);
      if (!(await fleet.polledAgain(ids, 1))) throw new Error('calls not taken over in 60 s');
      times.push(performance.now() - started);
      log(
        `  ${signal} ${rep + 1}/${reps}: ${ids.length} calls polled again after ${times.at(-1).toFixed(0)} ms`,
      );
      await fleet.add();
    }
    return times;
  } finally {
    await fleet.stop();
  }
}

/** `sockets` supervisors over `instances` instances, `followed` calls connected: push latency. */
async function fanOut({ instances, sockets, followed, log }) {
  const events = 10;
  // A hundred supervisors, not one with every socket: a person's sockets are admitted one at a
  // time (their cap is checked under a per-person lock), which would make the setup the bottleneck.
  const supervisors = range(100).map((k) => ({
    id: `sup${k}`,
    displayName: `Supervisor ${k}`,
    roles: ['supervisor'],
  }));
  const fleet = await new Fleet({
    technicians: followed + events,
    extraPeople: supervisors,
  }).start();
  try {
    for (let i = 0; i < instances; i++) await fleet.add();
    log(`  ${instances} instance(s): ${followed} followed calls`);
    const background = await inParallel(range(followed), 16, (i) => fleet.createCall(events + i));
    await inParallel(background, 16, async (call, index) => {
      await fleet.sim.join(call.xassistCallId, `exp${(events + index) % 10}`);
      await fleet.sim.join(call.xassistCallId, `user${1000 + events + index}`);
    });
    log(`  ${instances} instance(s): connecting ${sockets} sockets`);
    const tokens = supervisors.map(({ id }) => fleet.sim.token(id));
    const clients = await inParallel(range(sockets), 50, (i) =>
      connectSocket(fleet.live[i % instances].url, tokens[i % tokens.length]),
    );
    const latencies = [];
    const joined = new Map(); // xAssist call id → sockets that got its expert_joined
    let delivered = () => undefined;
    for (const socket of clients)
      socket.on('call.updated', ({ call, events: batch }) => {
        if (!batch.some((event) => event.type === 'status.expert_joined')) return;
        latencies.push(Date.now() - Date.parse(batch[0].at));
        joined.set(call.xassistCallId, (joined.get(call.xassistCallId) ?? 0) + 1);
        delivered();
      });
    /** Resolves once every socket got the join of `id`, or after 10 s (a lost one stays lost). */
    const reachedAll = (id) =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        delivered = () => (joined.get(id) ?? 0) >= sockets && (clearTimeout(timer), resolve());
        delivered();
      });
    const probes = await inParallel(range(events), 8, (i) => fleet.createCall(i));
    // One event at a time: each join is measured alone, once every socket has the one before.
    for (const [i, call] of probes.entries()) {
      const reached = reachedAll(call.xassistCallId);
      await fleet.sim.join(call.xassistCallId, `exp${i % 10}`);
      await reached;
    }
    clients.forEach((socket) => socket.close());
    return {
      samples: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    await fleet.stop();
  }
}

/** A run that could not be set up is a row that says why, not a bench that stops. */
const notMeasured = (error) => ({ samples: 0, p50: NaN, p99: NaN, error: error.message });
const latency = (r) =>
  r.error ? `not measured: ${r.error}` : `${r.p50.toFixed(0)} ms / ${r.p99.toFixed(0)} ms`;

const SECTION_START = '<!-- cluster: rewritten by npm run bench -- --only cluster -->';
const SECTION_END = '<!-- /cluster -->';

/** `--fanout-only`: the push latency alone, printed, docs untouched. */
async function fanOutOnly({ quick, log }) {
  const sockets = quick ? 1000 : 10_000;
  const followed = quick ? 200 : 5000;
  for (const instances of [1, 2]) {
    log(`cluster: fan-out to ${sockets} sockets, ${instances} instance(s)`);
    const r = await fanOut({ instances, sockets, followed, log });
    process.stdout.write(
      `${instances} instance(s), ${sockets} sockets, ${followed} calls: p50 ${r.p50} ms, p99 ${r.p99} ms (${r.samples} deliveries)\n`,
    );
  }
}

export async function runClusterBench({ quick, log }) {
  if (process.argv.includes('--fanout-only')) return fanOutOnly({ quick, log });
  const started = Date.now();
  const loadBefore = loadavg()[0];
  const calls = quick ? 60 : 300;
  log('cluster: polls per call-minute, 1 instance');
  const one = await pollRate({ instances: 1, calls, log });
  log('cluster: polls per call-minute, 3 instances');
  const three = await pollRate({ instances: 3, calls, log });
  const reps = quick ? 2 : 5;
  log('cluster: takeover after kill -9');
  const killed = await takeovers({ calls, reps, signal: 'SIGKILL', log });
  log('cluster: takeover after SIGTERM');
  const stopped = await takeovers({ calls, reps, signal: 'SIGTERM', log });
  const sockets = quick ? 1000 : 10_000;
  const followed = quick ? 200 : 5000;
  log(`cluster: fan-out to ${sockets} sockets, 1 instance`);
  const fanOne = await fanOut({ instances: 1, sockets, followed, log }).catch(notMeasured);
  log(`cluster: fan-out to ${sockets} sockets, 2 instances`);
  const fanTwo = await fanOut({ instances: 2, sockets, followed, log }).catch(notMeasured);
  const section = [
    SECTION_START,
    '',
    '## Several instances',
    '',
    `Measured with \`npm run bench -- --only cluster${quick ? ' --quick' : ''}\` (${Math.round((Date.now() - started) / 1000)} s); ` +
      `load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after. Every instance a process on ` +
      'this machine, one fresh PostgreSQL database, a private Redis, the simulator in its own process, the defaults ' +
      `(LEASE_TTL_MS=15000, ringing calls polled every 1000 ms, connected ones every 5000 ms).`,
    '',
    '| measure | 1 instance | several | target |',
    '|---|---|---|---|',
    `| polls per call-minute, ${calls} ringing calls | ${one.toFixed(1)} | ${three.toFixed(1)} (3 instances, ${(three / one).toFixed(2)} x) | within 10 %: ${Math.abs(three / one - 1) <= 0.1 ? 'met' : '**missed**'} |`,
    `| takeover after kill -9 of the instance with the most leases, median of ${reps} (spread) | | ${fmt(summarize(killed), 0, ' ms')} | ≤ lease + one poll (16000 ms): ${median(killed) <= 16000 ? 'met' : '**missed**'} |`,
    `| takeover after SIGTERM (leases handed back), median of ${reps} (spread) | | ${fmt(summarize(stopped), 0, ' ms')} | |`,
    `| push to ${sockets} sockets with ${followed} calls followed, p50 / p99 (${fanOne.samples} / ${fanTwo.samples} deliveries) | ${latency(fanOne)} | ${latency(fanTwo)} (2 instances) | p99 < 100 ms: ${fanTwo.p99 < 100 ? 'met' : '**missed**'} |`,
    '',
    SECTION_END,
  ].join('\n');
  process.stdout.write(`${section}\n`);
  if (quick) return;
  rewriteSection(SECTION_START, SECTION_END, section);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runClusterBench({
    quick: process.argv.includes('--quick'),
    log: (line) => process.stderr.write(`${line}\n`),
  });
}
