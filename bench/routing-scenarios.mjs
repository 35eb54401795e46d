/**
 * The routing measurements of issue #11 (docs/benchmarks.md says what each one means): time from
 * a queued request to its first offer with a standing backlog, and accept-to-ringing against the
 * simulator's own createCall round trip. One broker and one simulator, driven over loopback.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, inParallel } from './lib/cluster.mjs';
import { startCpuProfile, topSelfTime, topTotalTime } from './lib/inspector.mjs';
import { cpuSeconds } from './lib/processes.mjs';
import { median, percentile } from './lib/stats.mjs';
import { connectSocket } from './scenarios.mjs';

const PROBE_SKILL = 'bench-probe';
const BACKLOG_SKILL = 'bench-backlog';
const OFFER_WAIT_MS = 10_000;
/** Long enough that no offer times out and no request ends unanswered during a run. */
const LONG_SECONDS = 7200;

/** rexp0..rexpN-1 (userDbId 5000+i) take the probe queue; bexp, never connected, holds the backlog's skill. */
function routingPeople(experts) {
  const people = Array.from({ length: experts }, (_, i) => ({
    id: `rexp${i}`,
    displayName: `Routing expert ${i}`,
    roles: ['expert'],
    skills: [PROBE_SKILL],
    xassist: { userId: `rexp${i}`, userDbId: 5000 + i },
  }));
  people.push({
    id: 'bexp',
    displayName: 'Backlog expert',
    roles: ['expert'],
    skills: [BACKLOG_SKILL],
    xassist: { userId: 'bexp', userDbId: 4999 },
  });
  return people;
}

const queue = (id, skill, maxQueued) => ({
  id,
  skills: [skill],
  strategy: 'longest_idle',
  offerTimeoutSeconds: LONG_SECONDS,
  maxWaitSeconds: LONG_SECONDS,
  maxQueued,
});

/** Every offer.created reaching any expert socket, by call id, with the driver's clock. */
class OfferWatch {
  constructor() {
    this.arrived = new Map();
    this.waiting = new Map();
  }

  listen(socket) {
    socket.on('offer.created', ({ offer, call }) => {
      if (this.arrived.has(call.id)) return; // ring_all would offer several; the first counts
      const arrival = { at: performance.now(), offer, socket };
      this.arrived.set(call.id, arrival);
      this.waiting.get(call.id)?.(arrival);
    });
  }

  /** The first offer of this call, or undefined after OFFER_WAIT_MS. */
  first(callId) {
    const known = this.arrived.get(callId);
    if (known) return Promise.resolve(known);
    return Promise.race([
      new Promise((resolve) => this.waiting.set(callId, resolve)),
      sleep(OFFER_WAIT_MS).then(() => undefined),
    ]).finally(() => this.waiting.delete(callId));
  }
}

/** The simulator's createCall, straight from the driver (as a connector would call it). */
async function directCreateCall(cluster, token, i) {
  const started = performance.now();
  const log = await cluster.createSimulatorCall(i, token, {
    title: `Direct ${i}`,
    expert: { userDbId: 5000, userId: 'rexp0' },
  });
  return { ms: performance.now() - started, callId: log.callId };
}

/**
 * Accepts, one at a time: a request to the probe queue, its offer, then `offer.accept` over the
 * expert's socket; latency is from emitting the accept to its acknowledgement carrying the call
 * `ringing`. Each accept is followed by one createCall straight to the simulator, so both see the
 * same load. The accepted calls are ended on the simulator afterwards, so their experts free up.
 */
async function acceptRound(cluster, watch, { accepts, firstTechnician, log }) {
  const simToken = await cluster.simulatorToken();
  const acceptMs = [];
  const createMs = [];
  const ended = [];
  let refused = 0;
  for (let i = 0; i < accepts; i++) {
    const technician = firstTechnician + i;
    const call = await cluster.brokerApi('POST', '/v1/calls', {
      technicianId: `tech${technician}`,
      queueId: 'probe',
      title: `Accept probe ${i}`,
    });
    const offered = await watch.first(call.id);
    if (!offered) throw new Error(`no offer for accept probe ${i}`);
    // Off the routing tick's rhythm, as a person's click would be.
    await sleep(50 + Math.random() * 200);
    const started = performance.now();
    const answer = await offered.socket
      .timeout(OFFER_WAIT_MS)
      .emitWithAck('offer.accept', { offerId: offered.offer.id });
    const elapsed = performance.now() - started;
    if (answer.call?.status !== 'ringing') {
      refused += 1;
      log(`  accept ${i}: ${JSON.stringify(answer).slice(0, 200)}`);
      continue;
    }
    acceptMs.push(elapsed);
    ended.push(answer.call.xassistCallId);
    await sleep(20);
    createMs.push((await directCreateCall(cluster, simToken, 100_000 + technician)).ms);
  }
  await inParallel(ended, 8, (id) => cluster.control('POST', `calls/${id}/end`));
  return { acceptMs, createMs, refused };
}

const acceptSummary = ({ acceptMs, createMs, refused }) => ({
  samples: acceptMs.length,
  refused,
  acceptMedian: median(acceptMs),
  acceptP99: percentile(acceptMs, 99),
  createMedian: median(createMs),
  createP99: percentile(createMs, 99),
});

/**
 * With `backlog` requests queued first (no expert connected yet, so their fan-out to experts'
 * consoles is not in the measurement), then `experts` experts connected and available:
 * request-to-first-offer for `probes` requests at `ratePerSecond`, then `accepts` accepts.
 * `backlog: 0, probes: 0` measures accept-to-ringing alone. See docs/benchmarks.md.
 */
export async function routing({ backlog, experts, probes, ratePerSecond, accepts, log, profile }) {
  const warmup = probes > 0 ? 20 : 0;
  const technicians = backlog + warmup + probes + accepts;
  const cluster = await new Cluster({
    technicians,
    extraPeople: routingPeople(experts),
    queues: [
      queue('backlog', BACKLOG_SKILL, backlog + 100),
      queue('probe', PROBE_SKILL, probes + warmup + accepts + 100),
    ],
    brokerEnv: { QUOTA_ACTIVE_CALLS_PER_TECHNICIAN: '10000' },
  }).start();
  const sockets = [];
  try {
    const pid = cluster.broker.child.pid;
    // Technicians: [0, warmup + probes) probe requests, then the accepts, then the backlog.
    const acceptBase = warmup + probes;
    const backlogBase = acceptBase + accepts;
    let fillSeconds = 0;
    if (backlog > 0) {
      log(`  routing: queueing ${backlog} requests nobody available can take`);
      const fillStarted = Date.now();
      const filled = await inParallel(
        Array.from({ length: backlog }, (_, i) => backlogBase + i),
        16,
        (i) =>
          cluster.brokerApi('POST', '/v1/calls', {
            technicianId: `tech${i}`,
            queueId: 'backlog',
            title: `Backlog ${i}`,
          }),
      );
      fillSeconds = (Date.now() - fillStarted) / 1000;
      const queued = filled.filter((call) => call.status === 'queued').length;
      if (queued !== backlog) throw new Error(`only ${queued} of ${backlog} requests were queued`);
    }

    const watch = new OfferWatch();
    log(`  routing: ${experts} experts connect and go available`);
    sockets.push(
      ...(await inParallel(
        Array.from({ length: experts }, (_, i) => i),
        20,
        (i) => connectSocket(cluster.brokerUrl, cluster.token(`rexp${i}`)),
      )),
    );
    sockets.forEach((socket) => watch.listen(socket));
    await inParallel(sockets, 20, async (socket) => {
      const answer = await socket.emitWithAck('presence.set', { status: 'available' });
      if (answer.presence?.presence !== 'available')
        throw new Error(`presence.set: ${JSON.stringify(answer)}`);
    });
    await sleep(1000);
    const { queues } = await cluster.brokerApi('GET', '/v1/queues', undefined, 'sup');
    const available = queues.find((q) => q.id === 'probe').availableExperts;
    if (available !== experts) throw new Error(`${available} of ${experts} experts are available`);

    let offer;
    let cpu;
    let hot;
    if (probes > 0) {
      // Open loop: a request every 1/rate s whatever the broker does; each one is cancelled as
      // soon as its offer arrived, so its expert is free again and `experts` stay available.
      const probe = async (i) => {
        const started = performance.now();
        const call = await cluster.brokerApi('POST', '/v1/calls', {
          technicianId: `tech${i}`,
          queueId: 'probe',
          title: `Probe ${i}`,
        });
        const answeredMs = performance.now() - started;
        const offered = await watch.first(call.id);
        await cluster.brokerApi('POST', `/v1/calls/${call.id}/cancel`);
        return { answeredMs, offerMs: offered ? offered.at - started : undefined };
      };
      const openLoop = async (first, count) => {
        const intervalMs = 1000 / ratePerSecond;
        const t0 = performance.now();
        return Promise.all(
          Array.from({ length: count }, async (_, j) => {
            await sleep(Math.max(0, t0 + j * intervalMs - performance.now()));
            return probe(first + j);
          }),
        );
      };
      await openLoop(0, warmup);
      log(`  routing: ${probes} requests at ${ratePerSecond}/s with ${backlog} waiting`);
      const cpuBefore = cpuSeconds(pid);
      const loopStarted = Date.now();
      // `profile`: the broker's CPU profile over the probe requests.
      const stopProfile = profile ? await startCpuProfile(cluster.inspectPort) : undefined;
      const results = await openLoop(warmup, probes);
      const cpuUsed = cpuSeconds(pid) - cpuBefore;
      cpu = {
        share: cpuUsed / ((Date.now() - loopStarted) / 1000),
        msPerRequest: (cpuUsed * 1000) / probes,
      };
      const cpuProfile = stopProfile ? await stopProfile() : undefined;
      hot = cpuProfile && {
        self: topSelfTime(cpuProfile, 20),
        total: topTotalTime(cpuProfile, 30, (name) => !name.includes('node_modules')),
      };
      const offerMs = results.flatMap((r) => (r.offerMs === undefined ? [] : [r.offerMs]));
      const answeredMs = results.map((r) => r.answeredMs);
      offer = {
        samples: offerMs.length,
        lost: probes - offerMs.length,
        p50: percentile(offerMs, 50),
        p99: percentile(offerMs, 99),
        max: Math.max(...offerMs),
        answeredP50: percentile(answeredMs, 50),
        answeredP99: percentile(answeredMs, 99),
      };
    }

    log(`  routing: ${accepts} accepts with ${backlog} waiting`);
    const stopAcceptProfile =
      profile === 'accepts' ? await startCpuProfile(cluster.inspectPort) : undefined;
    const accepted = await acceptRound(cluster, watch, {
      accepts,
      firstTechnician: acceptBase,
      log,
    });
    if (stopAcceptProfile) {
      const cpuProfile = await stopAcceptProfile();
      hot = {
        self: topSelfTime(cpuProfile, 20),
        total: topTotalTime(cpuProfile, 40, (name) => !name.includes('node_modules')),
      };
    }
    return {
      backlog,
      experts,
      probes,
      ratePerSecond,
      fillSeconds,
      cpu,
      hot,
      offer,
      accept: acceptSummary(accepted),
    };
  } finally {
    sockets.forEach((socket) => socket.close());
    await cluster.stop();
  }
}
