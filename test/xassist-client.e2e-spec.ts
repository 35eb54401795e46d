import { SystemClock } from '../src/common/clock.js';
import { MemoryRateLimiter } from '../src/cluster/shared-rate-limiter.js';
import type { XAssistConfig } from '../src/config/app-config.js';
import { XAssistSimulator } from '../src/simulator/xassist-simulator.js';
import {
  PacedXAssistBudget,
  type BudgetRequest,
  type XAssistBudget,
} from '../src/xassist/xassist-budget.js';
import type { RequestClaim } from '../src/xassist/xassist-client.port.js';
import { XAssistHttpClient, type XAssistRetryOptions } from '../src/xassist/xassist-http.client.js';
import {
  XAssistAuthError,
  XAssistRejectedError,
  XAssistUnavailableError,
  XAssistWrongCallError,
} from '../src/xassist/xassist.errors.js';
import type { CreateCallRequest } from '../src/xassist-contract/xassist-contract.js';
import { waitFor } from './support/broker-harness.js';
import { capturedLogger } from './support/log-capture.js';

const PASSWORD = 'pa55-w0rd-that-must-never-be-logged';
const TECHNICIAN = {
  id: 12,
  userDbId: 12,
  userId: 'tom',
  displayName: 'Tom',
  domain: 'acme',
  email: 't@x',
  phoneNumber: '',
};

/** The contract tests: the real client against the real simulator over HTTP. */
describe('XAssistHttpClient against the simulator', () => {
  let simulator: XAssistSimulator;
  let baseUrl: string;
  const log = capturedLogger();
  const clients: XAssistHttpClient[] = [];

  function client(
    overrides: Partial<XAssistConfig> = {},
    retry: Partial<XAssistRetryOptions> = {},
    budget?: XAssistBudget,
  ) {
    const config: XAssistConfig = {
      baseUrl,
      username: 'connector',
      password: PASSWORD,
      domain: 'acme',
      maxConnections: 8,
      connectTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      maxRequestsPerSecond: 1000,
      breaker: { threshold: 5, window: 5, openMs: 10_000, openMaxMs: 60_000 },
      loginBackoff: { initialMs: 10_000, maxMs: 60_000 },
      ...overrides,
    };
    const created = new XAssistHttpClient(
      config,
      log.logger,
      { retryInitialDelayMs: 5, ...retry },
      budget,
    );
    clients.push(created);
    return created;
  }

  /** Asks until a poll reaches xAssist (the circuit's probe); how long that took. */
  async function untilProbe(sut: XAssistHttpClient, callId: string): Promise<number> {
    const sent = () => simulator.requestCount('rtc/getCallLogById');
    const start = Date.now();
    const before = sent();
    const after = await waitFor(
      () => sut.getCallLogById(callId).then(sent, sent),
      (count) => count > before,
      5000,
    );
    if (after === before) throw new Error('no probe reached xAssist within 5 s');
    return Date.now() - start;
  }

  function callRequest(overrides: Partial<CreateCallRequest> = {}): CreateCallRequest {
    return {
      callTitle: 'Pump 7 vibration',
      callReason: 'STANDARD',
      callType: 'MESH',
      invitedContacts: [
        {
          displayName: 'Erika',
          domain: 'acme',
          email: 'e@x',
          phoneNumber: '',
          userDbId: 8,
          userId: 'erika',
        },
      ],
      invitedTeams: [],
      joinAnonymousAllowed: false,
      informOthersDirectly: true,
      creatorUser: 12,
      plannedDateTime: null,
      ...overrides,
    };
  }

  beforeEach(async () => {
    simulator = new XAssistSimulator({
      domainTag: 'acme',
      credentials: { username: 'connector', password: PASSWORD },
      users: [TECHNICIAN],
    });
    baseUrl = await simulator.listen();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await simulator.close();
  });

  afterAll(() => {
    const secrets = [PASSWORD, ...simulator.state.issuedTokens];
    const leaking = log.lines.filter((line) => secrets.some((secret) => line.includes(secret)));
    expect(log.lines.length).toBeGreaterThan(0);
    expect(leaking).toEqual([]);
  });

  it('logs in once and describes the connector from the login response', async () => {
    const sut = client();
    const contact = await sut.connectorContact();
    await sut.connectorContact();
    expect(contact).toMatchObject({ userId: 'broker', userDbId: 1, domain: 'acme' });
    expect(simulator.stats.logins).toBe(1);
  });

  it('creates a call and reads it back by polling', async () => {
    const sut = client();
    const created = await sut.createCall(callRequest());
    expect(created.callStatus).toBe('Planned');
    expect(created.callEvents.map((e) => e.type)).toEqual(['Created']);
    expect(simulator.state.createCallBodies).toEqual([callRequest()]);

    simulator.state.join(created.callId, 'erika');
    const polled = await sut.getCallLogById(created.callId);
    expect(polled.callStatus).toBe('Started');
    expect(polled.callEvents.map((e) => e.type)).toEqual(['Created', 'Join']);
    expect(polled.callEvents[1].contact).toMatchObject({ userId: 'erika', userDbId: 8 });
  });

  it('keeps unknown event types and unknown fields', async () => {
    const sut = client();
    const { callId } = await sut.createCall(callRequest());
    simulator.state.addEvent(callId, { type: 'ArMarkerPlaced', comment: 'valve', asset: { x: 1 } });
    const polled = await sut.getCallLogById(callId);
    expect(polled.callEvents[1]).toMatchObject({
      type: 'ArMarkerPlaced',
      comment: 'valve',
      asset: { x: 1 },
    });
    expect(polled.invitedContacts?.[0]).toMatchObject({ userId: 'erika' });
  });

  it('answers 20 concurrent requests that meet an expired token with exactly one new login', async () => {
    const sut = client({ maxConnections: 20 });
    const { callId } = await sut.createCall(callRequest());
    expect(simulator.stats.logins).toBe(1);
    simulator.state.expireTokens();

    const results = await Promise.all(Array.from({ length: 20 }, () => sut.getCallLogById(callId)));
    expect(results.every((log) => log.callId === callId)).toBe(true);
    expect(simulator.stats.logins).toBe(2);
    expect(simulator.requestCount('rtc/getCallLogById')).toBe(40);
  });

  it('retries a GET after a 5xx and succeeds', async () => {
    const sut = client();
    const { callId } = await sut.createCall(callRequest());
    simulator.injectFault({ kind: 'status', status: 503, count: 2, path: 'rtc/getCallLogById' });
    await expect(sut.getCallLogById(callId)).resolves.toMatchObject({ callId });
    expect(simulator.requestCount('rtc/getCallLogById')).toBe(3);
  });

  it('turns an HTML error page into XAssistUnavailableError', async () => {
    const sut = client();
    const { callId } = await sut.createCall(callRequest());
    simulator.injectFault({ kind: 'html', count: 10, path: 'rtc/getCallLogById' });
    const failure = sut.getCallLogById(callId);
    await expect(failure).rejects.toBeInstanceOf(XAssistUnavailableError);
    await expect(failure).rejects.toThrow(/HTML page \(502\)/);
  });

  it('turns malformed JSON into XAssistUnavailableError', async () => {
    const sut = client();
    const { callId } = await sut.createCall(callRequest());
    simulator.injectFault({ kind: 'malformed', count: 10, path: 'rtc/getCallLogById' });
    await expect(sut.getCallLogById(callId)).rejects.toThrow(/malformed JSON/);
  });

  it('never sends createCall twice once it may have reached xAssist', async () => {
    const sut = client({ requestTimeoutMs: 200 });
    await sut.connectorContact();
    simulator.injectFault({ kind: 'slow', delayMs: 1500, count: 5, path: 'rtc/createCall' });
    const failure = await sut.createCall(callRequest()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(XAssistUnavailableError);
    expect((failure as XAssistUnavailableError).mayHaveReachedXAssist).toBe(true);
    expect(simulator.requestCount('rtc/createCall')).toBe(1);
  });

  it('never repeats createCall after a 5xx either', async () => {
    const sut = client();
    simulator.injectFault({ kind: 'status', status: 500, count: 5, path: 'rtc/createCall' });
    await expect(sut.createCall(callRequest())).rejects.toBeInstanceOf(XAssistUnavailableError);
    expect(simulator.requestCount('rtc/createCall')).toBe(1);
  });

  it('carries xAssist’s message when it refuses a request', async () => {
    const sut = client();
    const failure = sut.createCall(callRequest({ callReason: 'URGENT' as never }));
    await expect(failure).rejects.toBeInstanceOf(XAssistRejectedError);
    await expect(failure).rejects.toThrow(
      /\(400\): callReason must be one of STANDARD, SERVICE_REQUEST/,
    );
  });

  it('turns a refused login into XAssistAuthError without the password anywhere', async () => {
    const sut = client({ password: `${PASSWORD}-wrong` });
    const failure = await sut.getCallLogById('x').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(XAssistAuthError);
    expect(JSON.stringify(failure)).not.toContain(PASSWORD);
    expect(String((failure as Error).stack)).not.toContain(PASSWORD);
    expect(simulator.stats.failedLogins).toBe(1);
  });

  it('backs off after a refused login instead of logging in again per request (issue 9 finding 5)', async () => {
    const sut = client({ password: `${PASSWORD}-wrong` });
    const linesBefore = log.lines.length;
    const failures = await Promise.all(
      Array.from({ length: 10 }, () => sut.getCallLogById('x').catch((error: unknown) => error)),
    );
    for (let i = 0; i < 10; i++) await sut.getCallLogById('x').catch(() => undefined);
    expect(failures.every((failure) => failure instanceof XAssistAuthError)).toBe(true);
    expect(simulator.stats.failedLogins).toBe(1);
    expect(sut.readiness()).toMatchObject({
      ready: false,
      login: 'refused',
      reason: expect.stringMatching(/refused the broker's credentials \(401/),
    });
    const refusals = log.lines
      .slice(linesBefore)
      .filter((line) => line.includes('xAssist refused the login'));
    expect(refusals).toHaveLength(1);
  });

  it('logs in again once the pause is over, doubling it while refusals go on (issue 9 finding 5)', async () => {
    const sut = client({ loginBackoff: { initialMs: 150, maxMs: 10_000 } });
    simulator.injectFault({ kind: 'refuse-login', count: 2 });
    const logins = () => simulator.stats.logins + simulator.stats.failedLogins;
    /** Asks until a login reaches xAssist: the outcome, and when the request that sent it began. */
    async function untilLogin() {
      const before = logins();
      let startedAt = 0;
      const outcome = await waitFor(
        async () => {
          startedAt = Date.now();
          return sut.connectorContact().catch((error: unknown) => error);
        },
        () => logins() > before,
        3000,
      );
      expect(logins()).toBe(before + 1);
      return { outcome, startedAt };
    }

    const first = await untilLogin();
    expect(first.outcome).toBeInstanceOf(XAssistAuthError);
    // Within the pause nothing is sent.
    await expect(sut.connectorContact()).rejects.toThrow(/next login attempt/);
    expect(simulator.stats.failedLogins).toBe(1);
    const second = await untilLogin();
    expect(second.outcome).toBeInstanceOf(XAssistAuthError);
    expect(second.startedAt - first.startedAt).toBeGreaterThanOrEqual(150);
    expect(simulator.stats.failedLogins).toBe(2);
    // The second pause is twice the first.
    await expect(sut.connectorContact()).rejects.toThrow(/next login attempt/);
    const third = await untilLogin();
    expect(third.outcome).toMatchObject({ userId: 'broker' });
    expect(third.startedAt - second.startedAt).toBeGreaterThanOrEqual(300);
    expect(sut.readiness()).toMatchObject({ ready: true, login: 'ok' });
  });

  it('reports a connection failure as unavailable and never reached', async () => {
    await simulator.close();
    const sut = client();
    const failure = await sut.createCall(callRequest()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(XAssistUnavailableError);
    expect((failure as XAssistUnavailableError).mayHaveReachedXAssist).toBe(false);
    simulator = new XAssistSimulator();
    await simulator.listen();
  });

  it('counts a poll and its retries as one failure of the circuit (issue 9 finding 1)', async () => {
    const sut = client({ breaker: { threshold: 2, window: 2, openMs: 60_000, openMaxMs: 60_000 } });
    const { callId } = await sut.createCall(callRequest());
    simulator.injectFault({ kind: 'status', count: 3, path: 'rtc/getCallLogById' });
    await expect(sut.getCallLogById(callId)).rejects.toThrow(XAssistUnavailableError);
    expect(simulator.requestCount('rtc/getCallLogById')).toBe(3);
    expect(sut.circuitState()).toBe('closed');
    await expect(sut.getCallLogById(callId)).resolves.toMatchObject({ callId });
  });

  it('opens for a short period first and closes after one good probe (issue 9 finding 1)', async () => {
    const sut = client(
      { breaker: { threshold: 2, window: 2, openMs: 200, openMaxMs: 60_000 } },
      { retryAttempts: 1 },
    );
    const { callId } = await sut.createCall(callRequest());
    simulator.injectFault({ kind: 'html', count: 2, path: 'rtc/getCallLogById' });
    for (let i = 0; i < 2; i++)
      await expect(sut.getCallLogById(callId)).rejects.toThrow(/HTML page/);
    expect(sut.circuitState()).toBe('open');
    await expect(sut.getCallLogById(callId)).rejects.toThrow(/circuit is open/);
    // After the first open period, far below the old fixed 10 s: the probe goes out, and is good.
    expect(await untilProbe(sut, callId)).toBeLessThan(1_000);
    expect(sut.circuitState()).toBe('closed');
    await expect(sut.getCallLogById(callId)).resolves.toMatchObject({ callId });
  });

  it('doubles the open period while probes fail and resets it after a good probe (issue 9 finding 1)', async () => {
    const sut = client(
      { breaker: { threshold: 2, window: 2, openMs: 200, openMaxMs: 60_000 } },
      { retryAttempts: 1 },
    );
    const { callId } = await sut.createCall(callRequest());
    async function openIt(): Promise<void> {
      simulator.injectFault({ kind: 'status', count: 1000, path: 'rtc/getCallLogById' });
      for (let i = 0; i < 2; i++) await expect(sut.getCallLogById(callId)).rejects.toThrow(/503/);
      expect(sut.circuitState()).toBe('open');
    }

    await openIt();
    // Each probe fails and opens the circuit again, for twice as long: about 200, 400, 800 ms.
    const periods = [];
    for (let probe = 0; probe < 3; probe++) periods.push(await untilProbe(sut, callId));
    expect(sut.circuitState()).toBe('open');
    // Each measure starts a little after the circuit opened again and ends when the poll saw the
    // probe, later still on a busy machine: so only lower bounds, each above what the period
    // before it would give again (200 ms each time without doubling), not ratios of two
    // measures, which one late poll of the first spoiled now and then.
    expect(periods[0]).toBeGreaterThanOrEqual(100);
    expect(periods[1]).toBeGreaterThanOrEqual(300);
    expect(periods[2]).toBeGreaterThanOrEqual(600);

    simulator.clearFaults();
    await untilProbe(sut, callId); // the good probe
    expect(sut.circuitState()).toBe('closed');
    await expect(sut.getCallLogById(callId)).resolves.toMatchObject({ callId });

    // Opened again later: the period starts short again, not where the failing probes left it.
    await openIt();
    const again = await untilProbe(sut, callId);
    expect(again).toBeGreaterThanOrEqual(100);
    // About the first period (200 ms), not the 1,600 ms where the failing probes left it;
    // compared with the third period (about 800 ms), which leaves room for a slow poll.
    expect(again).toBeLessThan(periods[2]);
  });

  it('opens the circuit after repeated failures and stops sending', async () => {
    const sut = client(
      { breaker: { threshold: 3, window: 3, openMs: 60_000, openMaxMs: 60_000 } },
      { retryAttempts: 1 },
    );
    const { callId } = await sut.createCall(callRequest());
    simulator.injectFault({ kind: 'status', count: 100, path: 'rtc/getCallLogById' });
    for (let i = 0; i < 3; i++)
      await expect(sut.getCallLogById(callId)).rejects.toThrow(XAssistUnavailableError);
    expect(sut.circuitState()).toBe('open');
    await expect(sut.getCallLogById(callId)).rejects.toThrow(/circuit is open/);
    expect(simulator.requestCount('rtc/getCallLogById')).toBe(3);
  });

  it('rejects a CallLog for another call than the one asked for (issue 9 finding 6)', async () => {
    const sut = client();
    const { callId } = await sut.createCall(callRequest());
    await sut.createCall(callRequest({ callTitle: 'another' }));
    simulator.injectFault({ kind: 'mismatch', count: 1 });
    const failure = await sut.getCallLogById(callId).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(XAssistWrongCallError);
    expect(failure).toBeInstanceOf(XAssistUnavailableError);
    expect((failure as XAssistWrongCallError).askedCallId).toBe(callId);
    await expect(sut.getCallLogById(callId)).resolves.toMatchObject({ callId });
  });

  it('lists call logs as a Spring page', async () => {
    const sut = client();
    await sut.createCall(callRequest());
    const page = await sut.getFilteredCallLogs(10);
    expect(page.totalElements).toBe(1);
    expect(page.content[0].title).toBe('Pump 7 vibration');
  });

  /** The real budget of one process, remembering the claim of every attempt it granted. */
  class ClaimsSeen extends PacedXAssistBudget {
    readonly claims: RequestClaim[] = [];

    constructor(perSecond: number) {
      const clock = new SystemClock();
      super(perSecond, new MemoryRateLimiter(clock), clock, log.logger);
    }

    override spend<T>(request: BudgetRequest, send: () => Promise<T>): Promise<T> {
      this.claims.push(request.claim);
      return super.spend(request, send);
    }
  }

  it('claims a slot of the budget for every request: logins and creates first, listings last', async () => {
    const budget = new ClaimsSeen(1000);
    const sut = client({}, {}, budget);
    const { callId } = await sut.createCall(callRequest());
    const ringing = { priority: 'ringing' as const, since: Date.now(), slowestMs: 1_000 };
    await sut.getCallLogById(callId, { claim: ringing });
    await sut.getCallLogById(callId);
    await sut.getFilteredCallLogs(10);
    await sut.searchCallLogs({ pageSize: 10 });
    expect(budget.claims).toEqual([
      { priority: 'create' }, // the login
      { priority: 'create' },
      ringing,
      { priority: 'background' },
      { priority: 'background', slowestMs: 10_000 },
      { priority: 'background', slowestMs: 10_000 },
    ]);
    expect(simulator.requestCount('rtc/getCallLogById')).toBe(2);
    expect(sut.readiness()).toMatchObject({
      ready: true,
      budget: { perSecond: 1000, stretched: false, periodsMs: { ringing: expect.any(Number) } },
    });
  });

  it('refuses what waits for the budget when closed, as unavailable and never sent', async () => {
    const budget = new ClaimsSeen(1);
    const sut = client({}, {}, budget);
    await sut.connectorContact(); // the login takes the first slot: the next is a second away
    const polls = ['c1', 'c2'].map((callId) =>
      sut.getCallLogById(callId).then(
        () => 'sent',
        (error: XAssistUnavailableError) => error,
      ),
    );
    await waitFor(
      async () => budget.state().waiting.background,
      (waiting) => waiting === 2,
      5_000,
    );
    await sut.close();
    for (const outcome of await Promise.all(polls)) {
      expect(outcome).toBeInstanceOf(XAssistUnavailableError);
      expect(outcome).toMatchObject({ mayHaveReachedXAssist: false });
    }
    expect(simulator.requestCount('rtc/getCallLogById')).toBe(0);
  });
});
