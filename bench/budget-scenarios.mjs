/**
 * Invite latency under a request budget (issue 21): `npm run bench -- --only budget [--quick]`,
 * or `node bench/budget-scenarios.mjs [--quick]`. Side by side, each row against fresh processes:
 * the broker with XASSIST_MAX_REQUESTS_PER_SECOND = B, the same broker as today's fixed poller
 * (every ringing call once a second, no budget to speak of), and the naive connector; with R
 * calls ringing plus CONNECTED connected ones. R stays R throughout: a probed call, once its
 * invite arrived, ends and its technician rings again with a new call. Probes: an expert joins
 * a ringing call at a random moment; the figure is the time from the join (as the simulator
 * recorded it) to the call.invite at the technician's glasses (a socket.io client). The
 * simulator counts every request's arrival: the most in any sliding second is the figure a
 * budget is held to.
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXPERTS, inParallel } from './lib/cluster.mjs';
import { rewriteSection } from './lib/docs-section.mjs';
import { brokerSystem, naiveSystem } from './lib/invite-systems.mjs';
import { median, medianInterval, percentile } from './lib/stats.mjs';

const B = 100;
/** POLL_INTERVAL_MIN_MS's default: no ringing call is polled more often, whatever the budget. */
const MIN_MS = 250;
const CONNECTED = 50;
/** How long an invite may take before the probe counts as lost. */
const INVITE_TIMEOUT_MS = 60_000;
/** Probes under way at once (see measureRow): the budget's rows fewer, one per 100 ringing calls. */
const PROBES_AT_ONCE = 5;
const FEWEST_BUDGET_PROBES = 2;
const MOST_BUDGET_PROBES = 10;
/** Joins land at a random moment of a second after the probe picked its call. */
const JOIN_SPREAD_MS = 1000;

const range = (n, from = 0) => Array.from({ length: n }, (_, i) => from + i);

// Ringing calls must ring for the whole run: no answer deadline may end one.
const LONG_DEADLINES = {
  EXPERT_ANSWER_TIMEOUT_MS: '3600000',
  TECHNICIAN_JOIN_TIMEOUT_MS: '3600000',
};
const POLLERS = {
  budget: {
    label: `budget, B = ${B}`,
    start: (technicians, instances) =>
      brokerSystem({
        technicians,
        instances,
        env: { ...LONG_DEADLINES, XASSIST_MAX_REQUESTS_PER_SECOND: String(B) },
      }),
  },
  fixed: {
    label: "today's fixed poller (1000 ms)",
    start: (technicians, instances) =>
      brokerSystem({
        technicians,
        instances,
        env: {
          ...LONG_DEADLINES,
          POLL_INTERVAL_MIN_MS: '1000',
          POLL_INTERVAL_RINGING_MS: '1000',
          XASSIST_MAX_REQUESTS_PER_SECOND: '100000',
        },
      }),
  },
  naive: {
    label: 'naive connector (1000 ms)',
    start: (technicians) => naiveSystem({ technicians, periodMs: 1000 }),
  },
};

/** Once the simulator has seen a poll of each of `ids`: the calls are followed. */
async function followed(sim, ids) {
  await sim.control('POST', 'polls/wait', { callIds: ids, atLeast: 1, timeoutMs: 300_000 });
}

/**
 * Median round trip of a control request for a call log while the system is under load: the
 * simulator's answer time without adding to the requests it counts (a getCallLogById would).
 */
async function roundTripMs(sim, xassistCallId) {
  const samples = [];
  for (let k = 0; k < 20; k++) {
    const started = performance.now();
    await sim.control('GET', `calls/${xassistCallId}`);
    samples.push(performance.now() - started);
  }
  return median(samples);
}

const requestRate = (sim, since, until) =>
  sim.control('GET', `requests/rate?since=${since}${until ? `&until=${until}` : ''}`);

/** One row: fresh processes, R ringing calls, `samples` probes, `concurrency` at a time. */
async function measureRow({ poller, ringing, instances = 1, samples, log }) {
  const since = Date.now();
  const system = await POLLERS[poller].start(CONNECTED + ringing, instances);
  try {
    log(`  ${poller}, ${instances} instance(s), ${ringing} ringing: setting up`);
    const connected = await inParallel(range(CONNECTED), 16, (i) => system.createCall(i));
    await inParallel(connected, 16, async (id, i) => {
      await system.sim.join(id, `exp${i % EXPERTS}`);
      await system.sim.join(id, `user${1000 + i}`);
    });
    const technicians = range(ringing, CONNECTED);
    await inParallel(technicians, 20, (i) => system.glasses(i));
    const idle = await inParallel(technicians, 16, async (i) => ({
      i,
      id: await system.createCall(i),
    }));
    await followed(system.sim, [...connected, ...idle.map((call) => call.id)]);
    const rtt = await roundTripMs(system.sim, idle[0].id);

    const waiting = new Map(); // xAssist call id -> resolve(invite time)
    system.onInvite((id, at) => waiting.get(id)?.(at));
    const latencies = [];
    let lost = 0;
    let left = samples;
    // Few probes at once under a budget: each costs it a create, the new call's first poll and a
    // poll that sees the probed call end, all of them served before the ringing calls' polls, so
    // 5 at once took 12 of the 95 slots a second at R = 100 and the floor, which gives the ringing
    // calls all of B, no longer held. One per 100 ringing calls (at least 2, at most 10) keeps
    // that near 5 slots a second, since a probe lasts about R / (2 B) s. The other pollers have
    // no budget to eat: 5 at once. Always at most half the ringing calls, so that a probe picks
    // among several.
    const perRinging = Math.floor(ringing / 100);
    const wanted =
      poller === 'budget'
        ? Math.max(FEWEST_BUDGET_PROBES, Math.min(MOST_BUDGET_PROBES, perRinging))
        : PROBES_AT_ONCE;
    const atOnce = Math.max(1, Math.min(wanted, Math.floor(ringing / 2)));
    const spentBefore = await system.spent();
    const probeStarted = Date.now();
    log(`  probing: ${samples} joins, ${atOnce} at a time`);
    await Promise.all(
      range(atOnce).map(async () => {
        while (left > 0) {
          left--;
          const [call] = idle.splice(Math.floor(Math.random() * idle.length), 1);
          await sleep(Math.random() * JOIN_SPREAD_MS);
          const invited = new Promise((resolve) => {
            const timer = setTimeout(resolve, INVITE_TIMEOUT_MS);
            waiting.set(call.id, (at) => (clearTimeout(timer), resolve(at)));
          });
          const joinedAt = await system.sim.join(call.id, `exp${call.i % EXPERTS}`);
          const at = await invited;
          waiting.delete(call.id);
          if (at === undefined) lost++;
          else latencies.push(at - joinedAt);
          // The technician rings again: R calls ring throughout.
          await system.sim.control('POST', `calls/${call.id}/end`);
          const id = await system.createCall(call.i);
          await followed(system.sim, [id]);
          idle.push({ i: call.i, id });
        }
      }),
    );
    const probeEnded = Date.now();
    const spentAfter = await system.spent();
    const probing = await requestRate(system.sim, probeStarted, probeEnded);
    const whole = await requestRate(system.sim, since);
    if (lost > 0) log(`  ${lost} invites did not arrive within ${INVITE_TIMEOUT_MS} ms`);
    const floor = Math.max((ringing * 1000) / (2 * B), MIN_MS / 2) + rtt;
    return {
      poller,
      instances,
      ringing,
      rtt,
      floor,
      median: median(latencies),
      medianInterval: medianInterval(latencies),
      atOnce,
      spentPerSecond: Object.fromEntries(
        Object.entries(spentAfter).map(([priority, count]) => [
          priority,
          (count - (spentBefore[priority] ?? 0)) / ((probeEnded - probeStarted) / 1000),
        ]),
      ),
      p99: percentile(latencies, 99),
      samples: latencies.length,
      lost,
      maxProbing: probing.maxInWindow,
      maxWhole: whole.maxInWindow,
      meanProbing: probing.count / ((probing.until - probing.since) / 1000),
    };
  } finally {
    await system.stop();
  }
}

/** A row that could not be set up says why, instead of stopping the bench. */
const notMeasured = (row) => (error) => ({ ...row, error: error.message });

const SECTION_START = '<!-- budget: rewritten by npm run bench -- --only budget -->';
const SECTION_END = '<!-- /budget -->';

function tableRow(r) {
  const who = `${POLLERS[r.poller].label}${r.instances > 1 ? `, ${r.instances} instances` : ''}`;
  const calls = `${r.ringing} (+ ${CONNECTED})`;
  if (r.error) return `| ${who} | ${calls} | not measured: ${r.error} | | | | |`;
  const ratio = (value) => (value / r.floor).toFixed(2);
  const mark = (pass) => (r.poller === 'budget' ? (pass ? ' (met)' : ' (**missed**)') : '');
  const { low, high } = r.medianInterval;
  const spent = Object.entries(r.spentPerSecond)
    .filter(([, perSecond]) => perSecond >= 0.05)
    .map(([priority, perSecond]) => `${priority} ${perSecond.toFixed(1)}`)
    .join(', ');
  return (
    `| ${who} | ${calls} | ${r.median.toFixed(0)} ms = ${ratio(r.median)} x${mark(r.median <= 1.2 * r.floor)} ` +
    `(${ratio(low)}–${ratio(high)}) ` +
    `| ${r.p99.toFixed(0)} ms = ${ratio(r.p99)} x${mark(r.p99 <= 2.5 * r.floor)} ` +
    `| ${r.floor.toFixed(0)} ms (RTT ${r.rtt.toFixed(1)} ms) ` +
    `| ${r.maxProbing} / ${r.maxWhole}${mark(r.maxWhole <= B)} | ${r.meanProbing.toFixed(0)}${spent ? ` (${spent})` : ''} ` +
    `| ${r.samples}${r.lost ? `, ${r.lost} lost` : ''}, ${r.atOnce} at a time |`
  );
}

/** `--two-instances-only`: the budget's 2-instance row alone, printed, docs untouched. */
async function twoInstancesOnly({ quick, log }) {
  const samples = quick ? 12 : 400;
  const row = { poller: 'budget', ringing: quick ? 40 : 100, instances: 2, samples, log };
  log(tableRow(await measureRow(row).catch(notMeasured(row))));
}

export async function runBudgetBench({ quick, log }) {
  if (process.argv.includes('--two-instances-only')) return twoInstancesOnly({ quick, log });
  const started = Date.now();
  const loadBefore = loadavg()[0];
  const ringingCounts = quick ? [10, 40] : [10, 100, 1000];
  const clusterRinging = quick ? 40 : 100;
  const samples = quick ? 12 : 400;
  const rows = [];
  for (const ringing of ringingCounts)
    for (const poller of ['budget', 'fixed', 'naive']) {
      log(`budget: ${POLLERS[poller].label}, ${ringing} calls ringing`);
      const row = { poller, ringing, instances: 1, samples, log };
      rows.push(await measureRow(row).catch(notMeasured(row)));
      log(tableRow(rows.at(-1)));
    }
  for (const poller of ['budget', 'fixed']) {
    log(`budget: ${POLLERS[poller].label}, 2 instances, ${clusterRinging} calls ringing`);
    const row = { poller, ringing: clusterRinging, instances: 2, samples, log };
    rows.push(await measureRow(row).catch(notMeasured(row)));
    log(tableRow(rows.at(-1)));
  }
  const section = [
    SECTION_START,
    '',
    '## Invite latency under a request budget',
    '',
    `Measured with \`npm run bench -- --only budget${quick ? ' --quick' : ''}\` (${Math.round((Date.now() - started) / 1000)} s); ` +
      `load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after. Every row fresh processes ` +
      `(the simulator, the broker or the naive connector; 2 instances: PostgreSQL and a private Redis); ${CONNECTED} connected ` +
      `calls besides the R ringing ones, which stay R: a probed call ends once its invite arrived and its technician rings ` +
      `again. Probes at a time: for the budget rows one per 100 ringing calls, at least ${FEWEST_BUDGET_PROBES} (each costs the budget a create, a first poll and a poll that sees its call end, all served before the ringing calls: more at once would eat the budget the floor gives the ringing calls), for the others ${PROBES_AT_ONCE}. A probe: an expert joins a ringing call at a random moment; latency from the join (the simulator's record) ` +
      `to the \`call.invite\` at the glasses (a socket.io client; the naive connector's own log). ` +
      `Floor: max(R / (2 B), POLL_INTERVAL_MIN_MS / 2) + RTT with B = ${B} and POLL_INTERVAL_MIN_MS = ${MIN_MS}, ` +
      'for every row: what the budget allows. Requests counted at the simulator over sliding one-second windows, ' +
      "while the probes ran and over the whole run (from the processes' start: the login, creating the calls; for the " +
      "naive connector the driver's own createCall requests too). " +
      'Targets for the budget rows: median ≤ 1.2 x floor, p99 ≤ 2.5 x floor, never more than B requests in one second. ' +
      "In brackets after a median: its 95 % confidence interval (order statistics; a join lands anywhere in a call's " +
      'poll period, so a median of few probes is loose). The requests per second while probing, for the broker, also ' +
      'by priority (its own count, every instance).',
    '',
    '| poller | calls ringing (+ connected) | invite median = x floor (95 % interval) | p99 = x floor | floor | most requests in one second: probing / whole run | requests per second while probing (by priority) | probes |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(tableRow),
    '',
    SECTION_END,
  ].join('\n');
  process.stdout.write(`${section}\n`);
  if (!quick) rewriteSection(SECTION_START, SECTION_END, section);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runBudgetBench({
    quick: process.argv.includes('--quick'),
    log: (line) => process.stderr.write(`${line}\n`),
  });
}
