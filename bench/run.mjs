/**
 * `npm run bench`: the simulator and the broker as separate processes on loopback, driven from
 * this process. Prints a table and writes it to docs/benchmarks.md. `--quick` for a smoke run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { runBudgetBench } from './budget-scenarios.mjs';
import { runReportBench } from './report-scenarios.mjs';
import { runClusterBench } from './cluster-scenarios.mjs';
import { routing } from './routing-scenarios.mjs';
import { fanOut, inviteLatency, naiveConnector } from './scenarios.mjs';
import { runSlowPollBench } from './slow-polls.mjs';
import { runWebhookBench } from './webhook-scenarios.mjs';
import { fmt, summarize } from './lib/stats.mjs';

const quick = process.argv.includes('--quick');
// `--only routing`: the routing figures alone; the table of the others is kept as it was.
const onlyRouting = process.argv.includes('--only') && process.argv.includes('routing');
const log = (line) => process.stderr.write(`${line}\n`);
// `--only webhooks`: the webhook figures alone, in their own section of docs/benchmarks.md.
if (process.argv.includes('--only') && process.argv.includes('webhooks')) {
  await runWebhookBench({ quick, log });
  process.exit(0);
}

// `--only cluster`: several instances on PostgreSQL and Redis, in their own section.
if (process.argv.includes('--only') && process.argv.includes('cluster')) {
  await runClusterBench({ quick, log });
  process.exit(0);
}

// `--only budget`: invite latency and requests per second under a request budget, own section.
if (process.argv.includes('--only') && process.argv.includes('budget')) {
  await runBudgetBench({ quick, log });
  process.exit(0);
}

// `--only reports`: the queue report and the pruning of call events, on both databases, own section.
if (process.argv.includes('--only') && process.argv.includes('reports')) {
  await runReportBench({ quick, log });
  process.exit(0);
}

// `--only slow-polls`: a healthy call's invite latency with six slow calls, printed only.
if (process.argv.includes('--only') && process.argv.includes('slow-polls')) {
  await runSlowPollBench({ probes: quick ? 6 : 30, log });
  process.exit(0);
}

const started = Date.now();
const invite = [];
for (const followed of onlyRouting ? [] : quick ? [100] : [100, 1000, 5000]) {
  log(`invite latency with ${followed} calls followed`);
  const probesPerRound = quick ? 10 : Math.min(100, followed / 5);
  invite.push(
    await inviteLatency({ followed, rounds: followed < 1000 ? 5 : 3, probesPerRound, log }),
  );
}
const naive = onlyRouting
  ? undefined
  : (log('naive connector'),
    await naiveConnector({
      followed: quick ? 100 : 1000,
      periodMs: 1000,
      probes: quick ? 10 : 40,
      log,
    }));
const fan = [];
for (const sockets of onlyRouting ? [] : quick ? [200] : [1000, 10000]) {
  log(`fan-out to ${sockets} sockets`);
  fan.push(await fanOut({ sockets, events: 10, log }));
}
const routingStarted = Date.now();
const loadBefore = loadavg()[0];
log('routing: nothing else waiting');
const quiet = await routing({
  backlog: 0,
  experts: quick ? 20 : 200,
  probes: quick ? 20 : 100,
  ratePerSecond: quick ? 5 : 2,
  accepts: quick ? 5 : 30,
  log,
});
log('routing: request to first offer with a backlog');
const routed = await routing({
  backlog: quick ? 100 : 1000,
  experts: quick ? 20 : 200,
  probes: quick ? 20 : 100,
  ratePerSecond: quick ? 5 : 2,
  accepts: quick ? 5 : 30,
  log,
});
const loadAfter = loadavg()[0];

const kib = (bytes) => (bytes / 1024).toFixed(1);
const ok = (pass) => (pass ? 'met' : '**missed**');
const rows = [];
rows.push('| measure | figure | target | |', '|---|---|---|---|');
const ms = (value) => `${value.toFixed(0)} ms`;
for (const r of invite) {
  const med = summarize(r.perRound.map((x) => x.median));
  const p99 = summarize(r.perRound.map((x) => x.p99));
  rows.push(
    `| invite latency, ${r.followed} calls: median (runs' spread) | ${fmt(med, 0, ' ms')} = ${(med.median / r.floor).toFixed(2)} x floor (${r.floor.toFixed(0)} ms) | ≤ 1.1 x floor | ${ok(med.median <= 1.1 * r.floor)} |`,
    `| invite latency, ${r.followed} calls: p99 | ${fmt(p99, 0, ' ms')}; all ${r.samples} samples: ${r.p99All.toFixed(0)} ms | ≤ 1100 ms | ${ok(r.p99All <= 1100)} |`,
    `| upstream cost, ${r.followed} calls (80 % connected) | ${r.pollsPerCallMinute.toFixed(1)} getCallLogById per call-minute | ≤ ½ naive | ${ok(r.pollsPerCallMinute <= naive.pollsPerCallMinute / 2)} |`,
    `| broker CPU, ${r.followed} calls | ${(r.cpu * 100).toFixed(0)} % of one core | | |`,
    `| memory per followed call, ${r.followed} calls (after a full GC) | ${kib(r.rssPerCall)} KiB resident, ${kib(r.heapPerCall)} KiB of JS heap | < 10 KiB | ${r.followed >= 5000 ? ok(r.rssPerCall < 10240) : '(start-up cost shared by few calls)'} |`,
  );
}
// What one more followed call costs, free of the fixed start-up cost: the slope between the two largest runs.
if (invite.length >= 2) {
  const [a, b] = invite.slice(-2);
  const calls = (r) => r.followed - r.probesPerRound;
  const slope = (key) => (b[key] * calls(b) - a[key] * calls(a)) / (calls(b) - calls(a));
  rows.push(
    `| memory per additional followed call (${a.followed} → ${b.followed} calls) | ${kib(slope('rssPerCall'))} KiB resident, ${kib(slope('heapPerCall'))} KiB of JS heap | < 10 KiB | ${ok(slope('rssPerCall') < 10240)} |`,
  );
}
if (naive)
  rows.push(
    `| naive connector, ${naive.followed} calls at ${naive.periodMs} ms | ${naive.pollsPerCallMinute.toFixed(1)} per call-minute; invite median ${naive.median.toFixed(0)} ms, p99 ${naive.p99.toFixed(0)} ms | the peer | |`,
  );
for (const f of fan) {
  rows.push(
    `| push to ${f.sockets} sockets (${f.samples} deliveries) | p50 ${f.p50.toFixed(0)} ms, p99 ${f.p99.toFixed(0)} ms | p99 < 100 ms at 10,000 | ${f.sockets >= 10000 ? ok(f.p99 < 100) : ''} |`,
    `| memory per socket, ${f.sockets} sockets (after a full GC) | ${kib(f.rssPerSocket)} KiB resident, ${kib(f.heapPerSocket)} KiB of JS heap | | |`,
  );
}

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const command = `npm run bench${quick ? ' -- --quick' : ''}`;
const report = [
  '# Benchmarks',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}, with \`${command}\` ` +
    `(${Math.round((routingStarted - started) / 1000)} s). The simulator, the broker and the driver run as three processes on loopback; ` +
    'the ringing poll period is 1000 ms, the connected one 5000 ms; 80 % of the background calls are connected, the rest ringing. ' +
    "Latency figures are the median of the runs' medians (3 runs, 5 for 100 calls) with their spread (min–max).",
  '',
  ...rows,
  '',
].join('\n');

const diff = (a) => a.acceptMedian - a.createMedian;
const acceptRow = (label, a) =>
  `| accept to \`ringing\`, ${label} (${a.samples} accepts) | median ${ms(a.acceptMedian)} (p99 ${ms(a.acceptP99)}); createCall alone ${ms(a.createMedian)} (p99 ${ms(a.createP99)}); difference ${ms(diff(a))} | createCall + 20 ms | ${ok(diff(a) <= 20)} |`;
const routingReport = [
  '## Routing',
  '',
  `Measured with \`${onlyRouting ? 'npm run bench -- --only routing' : command}\` ` +
    `(${Math.round((Date.now() - routingStarted) / 1000)} s); load average of the machine ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after. ` +
    `${routed.experts} experts connected and available on the \`probe\` queue (\`longest_idle\`, one offer per request); ` +
    `${routed.backlog} requests queued beforehand on another queue whose one expert is offline; requests to \`probe\` at ${routed.ratePerSecond}/s, ` +
    'each cancelled as soon as its offer arrived (see the notes below for why).',
  '',
  '| measure | figure | target | |',
  '|---|---|---|---|',
  ...[routed, quiet].flatMap((r) => [
    `| request to first \`offer.created\`, ${r.backlog} waiting, ${r.experts} available (${r.offer.samples} requests${r.offer.lost ? `, ${r.offer.lost} without an offer in 10 s` : ''}) | p50 ${ms(r.offer.p50)}, p99 ${ms(r.offer.p99)}, max ${ms(r.offer.max)} | p99 < 100 ms | ${r.backlog >= 1000 ? ok(r.offer.p99 < 100 && r.offer.lost === 0) : '(the same without the backlog)'} |`,
    `| the same requests' 201, ${r.backlog} waiting | p50 ${ms(r.offer.answeredP50)}, p99 ${ms(r.offer.answeredP99)} | | |`,
    `| broker CPU over those requests, ${r.backlog} waiting | ${(r.cpu.share * 100).toFixed(0)} % of one core, ${r.cpu.msPerRequest.toFixed(1)} ms per request | | |`,
  ]),
  `| queueing the ${routed.backlog} requests (16 at a time, no expert connected) | ${routed.fillSeconds.toFixed(0)} s, ${(routed.backlog / routed.fillSeconds).toFixed(0)} a second | | |`,
  acceptRow('nothing waiting', quiet.accept),
  acceptRow(`${routed.backlog} waiting`, routed.accept),
  '',
].join('\n');
process.stdout.write(`${report}\n${routingReport}\n`);
// What people wrote below the marker (analysis, profiles) survives a new run of the table.
const MARKER = '<!-- notes: kept when npm run bench rewrites the table above -->';
// The routing table has its own marker, so `--only routing` rewrites it alone.
const ROUTING_MARKER =
  '<!-- routing: rewritten by npm run bench and npm run bench -- --only routing -->';
const previous = existsSync('docs/benchmarks.md') ? readFileSync('docs/benchmarks.md', 'utf8') : '';
const notes = previous.includes(MARKER)
  ? previous.slice(previous.indexOf(MARKER) + MARKER.length)
  : '\n';
const previousTable = previous.includes(ROUTING_MARKER)
  ? previous.slice(0, previous.indexOf(ROUTING_MARKER))
  : previous.includes(MARKER)
    ? previous.slice(0, previous.indexOf(MARKER))
    : '';
const table = onlyRouting ? previousTable.trimEnd() + '\n' : report;
if (!quick) {
  writeFileSync(
    'docs/benchmarks.md',
    `${table}\n${ROUTING_MARKER}\n\n${routingReport}\n${MARKER}${notes}`,
  );
  // Formatted as the rest of the repository, so that npm run lint stays clean after a run.
  execFileSync(
    process.execPath,
    [
      'node_modules/prettier/bin/prettier.cjs',
      '--write',
      '--log-level',
      'warn',
      'docs/benchmarks.md',
    ],
    { stdio: 'inherit' },
  );
}
// Last, in its own section below the notes marker, which the rewrite above keeps.
if (!onlyRouting) await runWebhookBench({ quick, log });
// Several instances, also in its own section below the notes marker.
if (!onlyRouting) await runClusterBench({ quick, log });
// The request budget against today's poller and the naive connector, in its own section too.
if (!onlyRouting) await runBudgetBench({ quick, log });
