import type { XAssistConfig } from '../config/app-config.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import type { RawResponse } from './xassist-answers.js';
import {
  XAssistBudget,
  XAssistBudgetClosedError,
  XAssistRequestAbandonedError,
  type BudgetRequest,
} from './xassist-budget.js';
import type { XAssistBudgetState } from './xassist-client.port.js';
import { circuitStateOf, xassistPolicies } from './xassist-policies.js';
import { XAssistSender } from './xassist-sender.js';
import type { XAssistTransport } from './xassist-transport.js';
import { XAssistUnavailableError } from './xassist.errors.js';

const CONFIG = {
  connectTimeoutMs: 1_000,
  requestTimeoutMs: 1_000,
  breaker: { threshold: 5, window: 5, openMs: 10_000, openMaxMs: 60_000 },
} as XAssistConfig;

/** Grants every request at once, in the order asked, and remembers what each asked for. */
class RecordingBudget extends XAssistBudget {
  readonly requests: BudgetRequest[] = [];
  closed = false;
  /** What happened, in order: `slot` when granted, `gate` and `sent` from the test's doubles. */
  readonly steps: string[];

  constructor(steps: string[]) {
    super();
    this.steps = steps;
  }

  spend<T>(request: BudgetRequest, send: () => Promise<T>): Promise<T> {
    this.requests.push(request);
    if (this.closed) return Promise.reject(new XAssistBudgetClosedError());
    if (request.signal?.aborted) return Promise.reject(new XAssistRequestAbandonedError());
    this.steps.push('slot');
    return send();
  }

  state(): XAssistBudgetState {
    throw new Error('not used');
  }

  close(): void {
    this.closed = true;
  }
}

function aSender(answers: (RawResponse | Error)[]) {
  const steps: string[] = [];
  const budget = new RecordingBudget(steps);
  const connections = { free: true };
  const transport = {
    hasFreeConnection: () => connections.free,
    request: () => {
      steps.push('sent');
      const answer = answers.shift() ?? new Error('no answer scripted');
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  } as unknown as XAssistTransport;
  const policies = xassistPolicies(CONFIG, { retryAttempts: 3, retryInitialDelayMs: 1 });
  const { logger, lines } = capturedLogger();
  const sender = new XAssistSender(transport, policies, budget, logger);
  return { sender, budget, steps, policies, connections, lines };
}

const OK: RawResponse = { status: 200, contentType: 'application/json', text: '{"ok":true}' };
const DOWN = () => new XAssistUnavailableError('connection refused', false);

describe('XAssistSender in the request budget', () => {
  it('takes a slot for every attempt, retries too, with the claim and the readiness given', async () => {
    const { sender, budget, steps, policies } = aSender([DOWN(), DOWN(), OK]);
    const claim = { priority: 'ringing' as const, since: 1_000, slowestMs: 1_000 };
    const attemptReady = () => true;
    const answer = await sender.send(
      'GET',
      'rtc/getCallLogById?callId=c1',
      undefined,
      't',
      policies.readRetry,
      {
        claim,
        attemptReady,
        attemptGate: (attempt) => (steps.push('gate'), attempt()),
      },
    );
    expect(answer).toEqual({ status: 200, body: { ok: true } });
    expect(budget.requests.map(({ claim, retry }) => ({ claim, retry }))).toEqual([
      { claim, retry: false },
      { claim, retry: true },
      { claim, retry: true },
    ]);
    // The gate runs inside the slot, the attempt inside the gate.
    expect(steps).toEqual(['slot', 'gate', 'sent', 'slot', 'gate', 'sent', 'slot', 'gate', 'sent']);
  });

  it('is ready for a slot only while the gate would start the attempt and a connection is free', async () => {
    const { sender, budget, policies, connections } = aSender([OK]);
    let gateOpen = true;
    await sender.send('GET', 'rtc/getCallLogById?callId=c1', undefined, 't', policies.readRetry, {
      claim: { priority: 'ringing' },
      attemptReady: () => gateOpen,
    });
    const ready = budget.requests[0].ready!;
    expect(ready()).toBe(true);
    gateOpen = false;
    expect(ready()).toBe(false);
    gateOpen = true;
    connections.free = false; // every connection busy: a slot now would wait in the pool
    expect(ready()).toBe(false);
  });

  it('answers a closed budget with XAssistUnavailableError, not retried and never sent', async () => {
    const { sender, budget, steps, policies } = aSender([OK]);
    budget.close();
    const refusal = sender.send('POST', 'rtc/createCall', {}, 't', policies.readRetry, {
      claim: { priority: 'create' },
    });
    await expect(refusal).rejects.toThrow(XAssistUnavailableError);
    await expect(refusal).rejects.toMatchObject({ mayHaveReachedXAssist: false });
    expect(budget.requests).toHaveLength(1);
    expect(steps).toEqual([]);
  });

  it('answers a request abandoned before its retry with XAssistUnavailableError, the retry unsent and nothing counted', async () => {
    const polls = CONFIG.breaker.window; // as many failures would open the circuit
    const { sender, budget, steps, policies, lines } = aSender(Array.from({ length: polls }, DOWN));
    for (let poll = 0; poll < polls; poll++) {
      const unfollowed = new AbortController();
      const abandoned = sender.send(
        'GET',
        'rtc/getCallLogById',
        undefined,
        't',
        policies.readRetry,
        {
          claim: { priority: 'ringing' },
          signal: unfollowed.signal,
          // The first attempt goes out and fails; the call is unfollowed meanwhile.
          attemptGate: (attempt) => attempt().finally(() => unfollowed.abort()),
        },
      );
      await expect(abandoned).rejects.toMatchObject({
        name: 'XAssistUnavailableError',
        mayHaveReachedXAssist: false,
      });
    }
    expect(budget.requests).toHaveLength(2 * polls); // each retry asked, and was refused
    expect(steps.filter((step) => step === 'sent')).toHaveLength(polls);
    expect(circuitStateOf(policies.breaker)).toBe('closed'); // none counted as failed
    expect(lines.filter((line) => line.includes('xAssist request failed'))).toEqual([]);
    expect(lines.filter((line) => line.includes('no longer wanted'))).toHaveLength(polls);
  });
});
