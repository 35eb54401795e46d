import { jest } from '@jest/globals';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  retryAfter?: string;
}

/** The broker as the page's fetch sees it: POST /auth/token answers from this list, in order. */
const answers: Answer[] = [];
const fetchStub = jest.fn(async () => {
  const answer = answers.shift() ?? { status: 503, body: {} };
  return {
    status: answer.status,
    headers: new Headers(answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}),
    json: async () => answer.body,
  };
});

jest.useFakeTimers({ now: Date.parse('2026-12-07T00:00:00Z') });
Object.assign(globalThis, { fetch: fetchStub, document: { body: { dataset: {} } } });
const setTimeoutSpy = jest.spyOn(globalThis, 'setTimeout');

// The dashboard's browser module, untyped: imported by a computed path so tsc leaves it be.
const publicDir = './public';
const signIn = await import(`${publicDir}/sign-in.js`);
const { state } = await import(`${publicDir}/state.js`);

/** The delays of the renewal retries set since the last call. */
function retryDelays(): number[] {
  const delays = setTimeoutSpy.mock.calls.map(([, delay]) => delay as number);
  setTimeoutSpy.mockClear();
  return delays;
}

async function failTimes(count: number, answer: Answer = { status: 503, body: {} }) {
  answers.push(...Array.from({ length: count }, () => answer));
  await signIn.renewNow();
  for (let i = 1; i < count; i++) await jest.advanceTimersToNextTimerAsync();
}

afterAll(() => {
  signIn.stopRenewal();
  jest.useRealTimers();
});

describe('the page renewing its access token when the broker cannot answer', () => {
  beforeEach(() => {
    state.signedInWithProvider = true;
    retryDelays();
  });

  it('backs off from 3 s, doubling to a minute at most, and starts over after a success', async () => {
    await failTimes(8);
    expect(retryDelays()).toEqual([3000, 6000, 12_000, 24_000, 48_000, 60_000, 60_000, 60_000]);

    const expiresAt = new Date(Date.now() + 300_000).toISOString();
    answers.push({ status: 200, body: { accessToken: 'fresh', expiresAt } });
    await jest.advanceTimersToNextTimerAsync();
    expect(state.token).toBe('fresh');
    retryDelays();

    answers.push({ status: 503, body: {} });
    await jest.advanceTimersToNextTimerAsync();
    expect(retryDelays()).toEqual([3000]);
  });

  it("waits at least as long as the broker's Retry-After says", async () => {
    signIn.stopRenewal();
    state.signedInWithProvider = true;
    await failTimes(1, { status: 429, body: {}, retryAfter: '20' });
    expect(retryDelays()).toEqual([20_000]);
  });
});
