import { XAssistSimulator } from '../src/simulator/xassist-simulator.js';
import { waitFor } from './support/broker-harness.js';

/** The simulator's fault injection, driven over its own HTTP control API as an operator would. */
describe('xAssist simulator faults', () => {
  let simulator: XAssistSimulator;
  let base: string;
  let origin: string;
  let token: string;

  async function send(method: string, url: string, body?: unknown, bearer?: string) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }
  const sim = (method: string, route: string, body?: unknown) =>
    send(method, `${origin}/_sim/${route}`, body);
  const login = (password = 'secret') =>
    send('POST', `${base}login`, { username: 'broker', password, domain: 'acme' });
  const poll = (callId: string) =>
    send('GET', `${base}rtc/getCallLogById?callId=${callId}`, undefined, token);
  const createCall = async (title = 'Pump') =>
    (
      await send(
        'POST',
        `${base}rtc/createCall`,
        {
          callTitle: title,
          callReason: 'STANDARD',
          callType: 'MESH',
          invitedContacts: [{ userDbId: 8, userId: 'erika' }],
          invitedTeams: [],
          joinAnonymousAllowed: false,
          informOthersDirectly: true,
          creatorUser: 1,
          plannedDateTime: null,
        },
        token,
      )
    ).body.callId as string;

  beforeEach(async () => {
    simulator = new XAssistSimulator({
      domainTag: 'acme',
      credentials: { username: 'broker', password: 'secret' },
    });
    base = await simulator.listen();
    origin = new URL(base).origin;
    token = (await login()).body.token;
  });
  afterEach(() => simulator.close());

  it('answers a poll with another call’s log on a mismatch fault, then normally', async () => {
    const first = await createCall('first');
    const second = await createCall('second');
    await sim('POST', 'faults', { kind: 'mismatch', count: 1 });
    const wrong = await poll(first);
    expect(wrong.status).toBe(200);
    expect(wrong.body.callId).not.toBe(first);
    expect([second]).toContain(wrong.body.callId);
    expect((await poll(first)).body.callId).toBe(first);
  });

  it('refuses good credentials on a refuse-login fault and counts it', async () => {
    await sim('POST', 'faults', { kind: 'refuse-login', count: 2 });
    expect((await login()).status).toBe(401);
    expect((await login()).body.message).toBe('Bad credentials');
    expect((await login()).status).toBe(200);
    expect((await sim('GET', 'stats')).body.failedLogins).toBe(2);
  });

  it('adds oversized events: a long type, a long id, a NUL in a type', async () => {
    const callId = await createCall();
    for (const kind of ['long-type', 'long-id', 'nul-type'])
      expect((await sim('POST', `calls/${callId}/oversized-event`, { kind })).status).toBe(200);
    const [, longType, longId, nulType] = (await poll(callId)).body.callEvents;
    expect(longType.type.length).toBeGreaterThan(128);
    expect(String(longId.id).length).toBeGreaterThan(64);
    expect(nulType.type).toContain('\u0000');
    expect((await sim('POST', `calls/${callId}/oversized-event`, { kind: 'x' })).status).toBe(400);
  });

  it('adds a burst of events that one poll brings at once', async () => {
    const callId = await createCall();
    const burst = await sim('POST', `calls/${callId}/burst`, { count: 6000, type: 'Chat' });
    expect(burst.body).toEqual({ added: 6000 });
    const events = (await poll(callId)).body.callEvents;
    expect(events).toHaveLength(6001);
    expect(new Set(events.map((e: { id: number }) => e.id)).size).toBe(6001);
    expect((await sim('POST', `calls/${callId}/burst`, { count: 0 })).status).toBe(400);
  });

  it('forgets a call: getCallLogById answers 404 from then on', async () => {
    const callId = await createCall();
    expect((await sim('POST', `calls/${callId}/forget`)).status).toBe(200);
    expect((await poll(callId)).status).toBe(404);
    expect((await sim('POST', `calls/${callId}/forget`)).status).toBe(400);
  });

  it('serves a fault with forMs to every request for that long, then answers normally', async () => {
    const callId = await createCall();
    const from = Date.now();
    // Long enough for the three polls below to land within it on a busy machine.
    await sim('POST', 'faults', { kind: 'status', status: 503, forMs: 2_000 });
    const during = await Promise.all([poll(callId), poll(callId), poll(callId)]);
    expect(during.map((answer) => answer.status)).toEqual([503, 503, 503]);
    const statuses: number[] = [];
    await waitFor(
      async () => statuses.push((await poll(callId)).status),
      () => statuses.at(-1) !== 503,
    );
    const healedAfter = Date.now() - from;
    expect(statuses.slice(0, -1).every((status) => status === 503)).toBe(true);
    expect(statuses.at(-1)).toBe(200);
    expect(healedAfter).toBeGreaterThanOrEqual(2_000);
    expect((await sim('POST', 'faults', { kind: 'status', forMs: -1 })).status).toBe(400);
  });

  it('expires every token over the control API', async () => {
    const callId = await createCall();
    expect((await sim('POST', 'tokens/expire')).body.expired).toBeGreaterThan(0);
    expect((await poll(callId)).status).toBe(401);
  });

  it('rejects an unknown fault kind with the list of known ones', async () => {
    const answer = await sim('POST', 'faults', { kind: 'gremlin' });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/mismatch, refuse-login/);
  });

  it('answers polls/wait once every call was polled often enough, 408 when time runs out, 400 on bad input', async () => {
    const a = await createCall('a');
    const b = await createCall('b');
    const waiting = sim('POST', 'polls/wait', { callIds: [a, b], atLeast: 2, timeoutMs: 10_000 });
    let answered = false;
    void waiting.then(() => (answered = true));
    await poll(a);
    await poll(a);
    await poll(b);
    expect(answered).toBe(false); // b was polled once
    await poll(b);
    expect(await waiting).toEqual({ status: 200, body: { reached: true } });
    expect(
      (await sim('POST', 'polls/wait', { callIds: [a], atLeast: 3, timeoutMs: 50 })).status,
    ).toBe(408);
    // `more`: counted from when the wait arrived (a takeover's first poll after a kill), so a
    // call polled three times already is not enough, and a poll of each after it is.
    expect((await sim('POST', 'polls/wait', { callIds: [a], more: 1, timeoutMs: 50 })).status).toBe(
      408,
    );
    const more = sim('POST', 'polls/wait', { callIds: [a, b], more: 1, timeoutMs: 10_000 });
    let moreAnswered = false;
    void more.then(() => (moreAnswered = true));
    while (!moreAnswered) await Promise.all([poll(a), poll(b)]);
    expect(await more).toEqual({ status: 200, body: { reached: true } });
    expect(
      (await sim('POST', 'polls/wait', { callIds: a, atLeast: 1, timeoutMs: 50 })).body,
    ).toEqual({
      message: 'callIds must be an array of call ids',
    });
    expect(
      (await sim('POST', 'polls/wait', { callIds: [a], more: 'x', timeoutMs: 50 })).status,
    ).toBe(400);
  });

  it('serves requests/rate: xAssist requests from `since`, control requests aside, and the busiest window', async () => {
    const earlier = Date.now();
    // The clock moves past the login's arrival (a millisecond at most) before `since` is read,
    // so that the login is before it and every request below after it.
    while (Date.now() <= earlier) await new Promise((resolve) => setImmediate(resolve));
    const since = Date.now();
    const callId = await createCall();
    await poll(callId);
    await poll(callId);
    await send('GET', `${base}rtc/getFilteredCallLogsV2`, undefined, token);
    await sim('GET', 'stats');
    await sim('POST', `calls/${callId}/join`, { userId: 'erika' });

    const hour = await sim('GET', `requests/rate?since=${since}&windowMs=3600000`);
    expect(hour.status).toBe(200);
    expect(hour.body).toEqual(
      expect.objectContaining({ count: 4, maxInWindow: 4, windowMs: 3_600_000, since }),
    );
    expect(hour.body.busiestAt).toBeGreaterThanOrEqual(since);
    const all = (await sim('GET', 'requests/rate')).body;
    expect(all).toEqual(expect.objectContaining({ count: 5, since: 0, windowMs: 1000 }));
    expect(all.maxInWindow).toBeGreaterThanOrEqual(1);
    expect(all.maxInWindow).toBeLessThanOrEqual(5);
    expect((await sim('GET', `requests/rate?since=${since}&until=${since - 1}`)).body).toEqual(
      expect.objectContaining({ count: 0, maxInWindow: 0, busiestAt: null }),
    );
    expect((await sim('GET', 'requests/rate?since=yesterday')).status).toBe(400);
    expect((await sim('GET', 'requests/rate?windowMs=0')).status).toBe(400);
  });
});
