/**
 * `npm run bench`: the simulator and the broker as separate processes on loopback, driven from
 * this process. Prints a table and writes it to docs/benchmarks.md. `--quick` for a smoke run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fanOut, inviteLatency, naiveConnector } from './scenarios.mjs';
import { fmt, summarize } from './lib/stats.mjs';

const quick = process.argv.includes('--quick');
const log = (line) => process.stderr.write(`${line}\n`);

const started = Date.now();
const invite = [];
for (const followed of quick ? [100] : [100, 1000, 5000]) {
  log(`invite latency with ${followed} calls followed`);
  const probesPerRound = quick ? 10 : Math.min(100, followed / 5);
  invite.push(
    await inviteLatency({ followed, rounds: followed < 1000 ? 5 : 3, probesPerRound, log }),
  );
}
log('naive connector');
const naive = await naiveConnector({
  followed: quick ? 100 : 1000,
  periodMs: 1000,
  probes: quick ? 10 : 40,
  log,
});
const fan = [];
for (const sockets of quick ? [200] : [1000, 10000]) {
  log(`fan-out to ${sockets} sockets`);
  fan.push(await fanOut({ sockets, events: 10, log }));
}

const kib = (bytes) => (bytes / 1024).toFixed(1);
const ok = (pass) => (pass ? 'met' : '**missed**');
const rows = [];
rows.push('| measure | figure | target | |', '|---|---|---|---|');
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
const report = [
  '# Benchmarks',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}, with \`npm run bench${quick ? ' -- --quick' : ''}\` ` +
    `(${Math.round((Date.now() - started) / 1000)} s). The simulator, the broker and the driver run as three processes on loopback; ` +
    'the ringing poll period is 1000 ms, the connected one 5000 ms; 80 % of the background calls are connected, the rest ringing. ' +
    "Latency figures are the median of the runs' medians (3 runs, 5 for 100 calls) with their spread (min–max).",
  '',
  ...rows,
  '',
].join('\n');
process.stdout.write(`${report}\n`);
// What people wrote below the marker (analysis, profiles) survives a new run of the table.
const MARKER = '<!-- notes: kept when npm run bench rewrites the table above -->';
const previous = existsSync('docs/benchmarks.md') ? readFileSync('docs/benchmarks.md', 'utf8') : '';
const notes = previous.includes(MARKER)
  ? previous.slice(previous.indexOf(MARKER) + MARKER.length)
  : '\n';
if (!quick) {
  writeFileSync('docs/benchmarks.md', `${report}\n${MARKER}${notes}`);
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
