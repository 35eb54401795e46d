/**
 * Webhooks through the outbox: how many deliveries per second one broker sends to a local
 * receiver, and how long a call change takes to reach it (p50, p99). `npm run bench -- --only
 * webhooks` runs these alone; so does `node bench/webhook-scenarios.mjs [--quick]`.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Cluster } from './lib/cluster.mjs';
import { rewriteSection } from './lib/docs-section.mjs';
import { fmt, median, percentile, summarize } from './lib/stats.mjs';

/** Answers 204 to every POST and notes when each webhook-id first arrived. */
async function receiver() {
  const arrivals = new Map();
  let requests = 0;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      requests++;
      const id = request.headers['webhook-id'];
      if (!arrivals.has(id))
        arrivals.set(id, { at: Date.now(), body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    arrivals,
    get requests() {
      return requests;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const until = async (check, timeoutMs) => {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
  return check();
};

/**
 * Calls asked for one after another, each cancelled once its status.ringing reached `hooks`:
 * the delay of each from its commit (the event's `at`) to its arrival, for those that arrived.
 */
async function ringingDelays(cluster, hooks, probes, timeoutMs) {
  const delays = [];
  for (let i = 0; i < probes; i++) {
    const call = await cluster.createCall(i);
    const found = () =>
      [...hooks.arrivals.values()].find(
        (hook) => hook.body.includes(call.id) && hook.body.includes('"status.ringing"'),
      );
    if (await until(() => found() !== undefined, timeoutMs))
      delays.push(found().at - Date.parse(JSON.parse(found().body).data.event.at));
    await cluster.brokerApi('POST', `/v1/calls/${call.id}/cancel`);
  }
  return delays;
}

/** A delivery as the broker's commit hook writes it, straight into the outbox of its database. */
function outboxRow(webhookId, callId, seq, now) {
  const body = JSON.stringify({
    type: 'call.status_changed',
    timestamp: now,
    data: { call: { id: callId, status: 'ringing', seq, title: 'Bench call' }, event: { seq } },
  });
  return [
    `msg_${randomUUID()}`,
    'webhook',
    webhookId,
    'erp',
    callId,
    seq,
    0,
    'call.status_changed',
    body,
    'pending',
    0,
    now,
    now,
  ];
}

export async function webhooks({ backlog, callsPerBacklog, probes, log }) {
  const hooks = await receiver();
  const cluster = await new Cluster({
    technicians: probes,
    brokerEnv: {
      // The allow-list opens one port of a host: the receiver's.
      WEBHOOK_ALLOWED_HOSTS: new URL(hooks.url).host,
      WEBHOOK_RATE_PER_SECOND: '10000',
      // One receiver, its limits lifted: what the outbox itself can drain.
      WEBHOOK_CONCURRENCY_PER_DESTINATION: '16',
      OUTBOX_BATCH_SIZE: '500',
    },
  }).start();
  try {
    const webhook = await cluster.brokerApi('POST', '/v1/webhooks', {
      url: hooks.url,
      eventTypes: ['call.created', 'call.status_changed', 'call.ended'],
    });

    // Call change -> webhook: each probe call's status.ringing, from its commit (event.at) to arrival.
    log(`webhooks: delay of ${probes} call changes`);
    const delays = await ringingDelays(cluster, hooks, probes, 5_000);
    await until(() => hooks.arrivals.size >= probes * 4, 10_000);

    // Throughput: a backlog written at once (as a burst of commits would), drained to the receiver.
    log(`webhooks: draining a backlog of ${backlog} deliveries`);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(cluster.dir, 'broker.db'));
    db.pragma('busy_timeout = 5000');
    const before = hooks.arrivals.size;
    const insert = db.prepare(
      `INSERT INTO outbox (id, destination_kind, destination_id, owner_id, call_id, seq, position,
        event_type, payload, status, attempts, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const now = new Date().toISOString();
    const calls = Array.from({ length: callsPerBacklog }, () => randomUUID());
    db.transaction(() => {
      for (let n = 0; n < backlog; n++)
        insert.run(
          ...outboxRow(
            webhook.id,
            calls[n % callsPerBacklog],
            1 + Math.floor(n / callsPerBacklog),
            now,
          ),
        );
    })();
    db.close();
    const written = Date.now();
    const drained = await until(() => hooks.arrivals.size - before >= backlog, 120_000);
    const last = Math.max(...[...hooks.arrivals.values()].map((hook) => hook.at));
    return {
      probes: delays.length,
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      backlog,
      callsPerBacklog,
      drained,
      perSecond: (backlog / Math.max(1, last - written)) * 1000,
      duplicates: hooks.requests - hooks.arrivals.size,
    };
  } finally {
    await cluster.stop();
    await hooks.close();
  }
}

/** An endpoint that takes every request and never answers: a receiver that is down but not gone. */
async function deadReceiver() {
  const held = new Set();
  const server = createServer((request, response) => {
    held.add(response);
    request.resume();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    get held() {
      return held.size;
    },
    close: () => {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Isolation: the delay of a healthy webhook's deliveries (each probe call's status.ringing, from
 * its commit to arrival), with or without another integration's webhook that never answers and
 * is owed a row by every call change too (its attempts hang until WEBHOOK_TIMEOUT_MS).
 */
export async function deadNeighbour({ probes, withDead, log }) {
  const hooks = await receiver();
  const dead = withDead ? await deadReceiver() : undefined;
  const cluster = await new Cluster({
    technicians: probes,
    extraPeople: [{ id: 'crm', displayName: 'CRM connector', roles: ['integration'] }],
    brokerEnv: {
      // Entries are host:port since issue 18: the live receiver's and the dead one's.
      WEBHOOK_ALLOWED_HOSTS: [hooks, dead]
        .flatMap((each) => (each ? [new URL(each.url).host] : []))
        .join(','),
      WEBHOOK_TIMEOUT_MS: '3000',
      WEBHOOK_RATE_PER_SECOND: '10000',
    },
  }).start();
  try {
    const events = ['call.created', 'call.status_changed', 'call.ended'];
    await cluster.brokerApi('POST', '/v1/webhooks', { url: hooks.url, eventTypes: events });
    if (dead)
      await cluster.brokerApi('POST', '/v1/webhooks', { url: dead.url, eventTypes: events }, 'crm');
    log(
      `webhooks: ${probes} deliveries ${withDead ? 'beside a receiver that never answers' : 'alone'}`,
    );
    const delays = await ringingDelays(cluster, hooks, probes, 30_000);
    return {
      probes,
      delivered: delays.length,
      median: percentile(delays, 50),
      p90: percentile(delays, 90),
      held: dead?.held ?? 0,
    };
  } finally {
    await cluster.stop();
    await hooks.close();
    await dead?.close();
  }
}

/**
 * deadNeighbour alone and beside a dead receiver, `runs` times each, alternating so that the
 * machine's load falls on both alike; the figures are the median of the runs' medians.
 */
export async function isolation({ probes, runs, log }) {
  const alone = [];
  const beside = [];
  for (let run = 0; run < runs; run++) {
    alone.push(await deadNeighbour({ probes, withDead: false, log }));
    beside.push(await deadNeighbour({ probes, withDead: true, log }));
  }
  const of = (results, key) => summarize(results.map((result) => result[key]));
  return {
    probes,
    runs,
    alone: { median: of(alone, 'median'), p90: of(alone, 'p90') },
    beside: {
      median: of(beside, 'median'),
      p90: of(beside, 'p90'),
      delivered: beside.reduce((sum, result) => sum + result.delivered, 0),
    },
    ratio: median(beside.map((r) => r.median)) / median(alone.map((r) => r.median)),
  };
}

const SECTION_START =
  '<!-- webhooks: rewritten by npm run bench and npm run bench -- --only webhooks -->';
const SECTION_END = '<!-- /webhooks -->';

/** Runs the webhook scenarios, prints their table and (unless quick) rewrites their section of docs/benchmarks.md. */
export async function runWebhookBench({ quick, log }) {
  const started = Date.now();
  const loadBefore = loadavg()[0];
  const r = await webhooks({
    backlog: quick ? 500 : 5000,
    callsPerBacklog: quick ? 50 : 500,
    probes: quick ? 20 : 200,
    log,
  });
  const iso = await isolation({ probes: quick ? 10 : 40, runs: quick ? 1 : 3, log });
  const ms = (value) => `${value.toFixed(0)} ms`;
  const section = [
    SECTION_START,
    '',
    '## Webhooks and the outbox',
    '',
    `Measured with \`npm run bench -- --only webhooks\` (${Math.round((Date.now() - started) / 1000)} s); ` +
      `load average of the machine ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after. ` +
      'One broker on SQLite, one webhook subscribed to every call event, a local receiver answering 204. ' +
      `Delay: ${r.probes} calls asked for one after another, from the commit of each \`status.ringing\` (the event's \`at\`) ` +
      'to its arrival at the receiver. Throughput: ' +
      `${r.backlog} deliveries written into the outbox at once (${r.callsPerBacklog} calls, ${r.backlog / r.callsPerBacklog} in seq order each), ` +
      'drained at WEBHOOK_RATE_PER_SECOND=10000 and WEBHOOK_CONCURRENCY_PER_DESTINATION=16, each signed and POSTed once.',
    '',
    '| measure | figure |',
    '|---|---|',
    `| call change to webhook, p50 / p99 (${r.probes} changes) | ${ms(r.p50)} / ${ms(r.p99)} |`,
    `| outbox throughput, ${r.backlog} deliveries to one receiver | ${r.perSecond.toFixed(0)} a second${r.drained ? '' : ' (**not all delivered in 120 s**)'} |`,
    `| requests repeated (the same webhook-id twice) | ${r.duplicates} |`,
    '',
    "Isolation: another integration's webhook that never answers (its attempts hang until " +
      'WEBHOOK_TIMEOUT_MS=3000), owed a row by every call change too. Healthy deliveries measured as above ' +
      `(${iso.probes} calls one after another, WEBHOOK_RATE_PER_SECOND=10000), alone and beside it, ` +
      `${iso.runs} runs each alternating: the median of the runs' medians (their spread); target: within 1.2 x.`,
    '',
    '| measure | alone | beside a dead receiver | ratio | target |',
    '|---|---|---|---|---|',
    `| call change to healthy webhook, median | ${fmt(iso.alone.median, 0, ' ms')} | ${fmt(iso.beside.median, 0, ' ms')} | ${iso.ratio.toFixed(2)} x | ≤ 1.2 x: ${iso.ratio <= 1.2 ? 'met' : '**missed**'} |`,
    `| call change to healthy webhook, p90 | ${fmt(iso.alone.p90, 0, ' ms')} | ${fmt(iso.beside.p90, 0, ' ms')} (${iso.beside.delivered} of ${iso.probes * iso.runs} delivered) | | |`,
    '',
    SECTION_END,
  ].join('\n');
  process.stdout.write(`${section}\n`);
  if (quick) return { ...r, isolation: iso };
  rewriteSection(SECTION_START, SECTION_END, section);
  return { ...r, isolation: iso };
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv.includes('--isolation')) {
  // The isolation figures alone: `node bench/webhook-scenarios.mjs --isolation [--quick]`.
  const log = (line) => process.stderr.write(`${line}\n`);
  const quick = process.argv.includes('--quick');
  const result = await isolation({ probes: quick ? 10 : 40, runs: quick ? 1 : 3, log });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  await runWebhookBench({
    quick: process.argv.includes('--quick'),
    log: (line) => process.stderr.write(`${line}\n`),
  });
}
