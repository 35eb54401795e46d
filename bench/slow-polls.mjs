/**
 * `npm run bench -- --only slow-polls` (or `node bench/slow-polls.mjs [--probes N] [--delay MS]`):
 * a healthy call's invite latency while six other calls are slow on xAssist but still answer
 * (issue 18, item 6). The broker runs from dist/ with POLL_MAX_CONCURRENT=4 and its default xAssist
 * timeout (10 s), the simulator as its own process. Baseline: probes alone. Then six ringing calls
 * whose every getCallLogById the simulator answers after `--delay` ms (5 s, under the timeout),
 * and as many probes again. Probes run three at a time: a technician's socket, a call, the expert
 * joins at a random moment of a ringing period; the figure is the time from the join to the
 * `call.invite`.
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, EXPERTS, inParallel } from './lib/cluster.mjs';
import { waitForHttp } from './lib/processes.mjs';
import { median } from './lib/stats.mjs';
import { connectSocket } from './scenarios.mjs';

const RINGING_MS = 1000;
const SLOW_CALLS = 6;
const PROBES_AT_ONCE = 3;

/** One healthy call from creation to invite; the join-to-invite time in ms. */
async function probe(cluster, technician) {
  const socket = await connectSocket(cluster.brokerUrl, cluster.token(`tech${technician}`));
  try {
    const invited = new Promise((resolve) => socket.once('call.invite', () => resolve(Date.now())));
    const call = await cluster.createCall(technician);
    await sleep(RINGING_MS * (1 + Math.random()));
    const joinedAt = await cluster.join(call.xassistCallId, `exp${technician % EXPERTS}`);
    const arrived = await Promise.race([invited, sleep(30_000).then(() => undefined)]);
    await cluster.control('POST', `calls/${call.xassistCallId}/end`);
    return arrived === undefined ? undefined : arrived - joinedAt;
  } finally {
    socket.close();
  }
}

/** `count` probes, `PROBES_AT_ONCE` at a time (their polls are a few ms: they hardly meet). */
async function probes(cluster, first, count, log, label) {
  const results = await inParallel(
    Array.from({ length: count }, (_, i) => first + i),
    PROBES_AT_ONCE,
    (technician) => probe(cluster, technician),
  );
  const lost = results.filter((latency) => latency === undefined).length;
  if (lost > 0) log(`  ${label}: ${lost} probes without an invite within 30 s`);
  const latencies = results.filter((latency) => latency !== undefined);
  log(`  ${label}: ${latencies.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  return latencies;
}

export async function runSlowPollBench({ probes: count = 30, delayMs = 5000, log }) {
  const cluster = await new Cluster({
    technicians: SLOW_CALLS + 2 * count,
    brokerEnv: { POLL_MAX_CONCURRENT: '4' },
  }).start();
  try {
    await waitForHttp(`${cluster.brokerUrl}/readyz`); // logged in to xAssist
    const baseline = await probes(cluster, SLOW_CALLS, count, log, 'baseline');
    const slow = [];
    for (let i = 0; i < SLOW_CALLS; i++) slow.push(await cluster.createCall(i));
    for (const call of slow)
      await cluster.control('POST', 'faults', {
        kind: 'slow',
        delayMs,
        forMs: 3_600_000,
        path: 'rtc/getCallLogById',
        callId: call.xassistCallId,
      });
    // Every slow call has answered slowly at least once: a call is never polled twice at once,
    // so its second poll arriving means its first was answered.
    await cluster.control('POST', 'polls/wait', {
      callIds: slow.map((call) => call.xassistCallId),
      atLeast: 2,
      timeoutMs: delayMs * 4,
    });
    const withSlow = await probes(cluster, SLOW_CALLS + count, count, log, `${SLOW_CALLS} slow`);
    const result = {
      baseline: median(baseline),
      withSlow: median(withSlow),
      max: Math.max(...withSlow),
      samples: [baseline.length, withSlow.length],
    };
    const ratio = result.withSlow / result.baseline;
    process.stdout.write(
      `healthy call's invite latency, 4 poll slots, ${SLOW_CALLS} calls answering after ${delayMs} ms: ` +
        `median ${result.withSlow.toFixed(0)} ms (max ${result.max.toFixed(0)} ms, ${result.samples[1]} probes) ` +
        `vs baseline median ${result.baseline.toFixed(0)} ms (${result.samples[0]} probes): ` +
        `${ratio.toFixed(2)} x (target ≤ 2 x: ${ratio <= 2 ? 'met' : 'missed'})\n`,
    );
    return result;
  } finally {
    await cluster.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      probes: { type: 'string', default: '30' },
      delay: { type: 'string', default: '5000' },
    },
  });
  await runSlowPollBench({
    probes: Number(values.probes),
    delayMs: Number(values.delay),
    log: (line) => process.stderr.write(`${line}\n`),
  });
}
