import { xassistContactOf } from '../../src/directory/person.js';
import { SimulatorState } from '../../src/simulator/simulator-state.js';
import type { XAssistBudget } from '../../src/xassist/xassist-budget.js';
import {
  XAssistClient,
  type RequestClaim,
  type XAssistReadOptions,
} from '../../src/xassist/xassist-client.port.js';
import {
  XAssistRejectedError,
  XAssistUnavailableError,
  XAssistWrongCallError,
} from '../../src/xassist/xassist.errors.js';
import type { CallLog, CallLogContact } from '../../src/xassist-contract/xassist-contract.js';
import { people } from './people.js';

const tom: CallLogContact = xassistContactOf(people.tom)!;

interface BudgetWaiter {
  callId: string;
  ready?: () => boolean;
  grant: () => void;
}

/** How the simulated budget refuses a poll abandoned while it waits (XAssistReadOptions.signal). */
export class PollAbandonedError extends Error {}

/**
 * xAssist in-process: the simulator's own call state (no HTTP), answering each poll as one attempt
 * through the tracker's gate; a call can be made to hang, vanish (404) or fail. Every poll's claim
 * on the request budget is recorded; with `budgetHeld` a poll waits, as it would for the budget,
 * until the test grants it (or leaves, unsent, when its signal aborts); with `budget` it spends a
 * slot of that real budget, as XAssistSender does. Otherwise every poll is granted at once.
 */
export class InProcessXAssist extends XAssistClient {
  readonly state = new SimulatorState([tom], 3_600_000);
  readonly polls = new Map<string, number>();
  readonly behaviour = new Map<string, 'hang' | 'unavailable' | 'gone' | 'wrong-call'>();
  /** Each poll's claim, in the order the polls were asked for. */
  readonly claims: Array<{ callId: string; claim?: RequestClaim }> = [];
  /** While true, polls wait for grant() as they would for a slot of the request budget. */
  budgetHeld = false;
  /** Set: every poll spends a slot of it (one attempt each), as XAssistSender does. */
  budget?: XAssistBudget;
  private readonly hanging: Array<() => void> = [];
  private readonly waiting: BudgetWaiter[] = [];

  async getCallLogById(callId: string, options: XAssistReadOptions = {}): Promise<CallLog> {
    this.claims.push({ callId, claim: options.claim });
    const { attemptReady: ready, signal } = options;
    const gate = options.attemptGate ?? ((attempt) => attempt());
    if (this.budget) {
      const claim = options.claim ?? { priority: 'background' };
      const request = { claim, ...(ready ? { ready } : {}), ...(signal ? { signal } : {}) };
      return this.budget.spend(request, () => gate(() => this.answer(callId)));
    }
    if (this.budgetHeld) await this.heldBudget(callId, ready, signal);
    return gate(() => this.answer(callId));
  }

  private heldBudget(callId: string, ready?: () => boolean, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((granted, refused) => {
      const abandoned = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        refused(new PollAbandonedError('abandoned while it waited for the budget'));
      };
      const grant = () => (signal?.removeEventListener('abort', abandoned), granted());
      const waiter: BudgetWaiter = { callId, ...(ready ? { ready } : {}), grant };
      if (signal?.aborted) return abandoned();
      this.waiting.push(waiter);
      signal?.addEventListener('abort', abandoned, { once: true });
    });
  }

  private async answer(callId: string): Promise<CallLog> {
    this.polls.set(callId, (this.polls.get(callId) ?? 0) + 1);
    if (this.behaviour.get(callId) === 'hang')
      await new Promise<void>((resolve) => this.hanging.push(resolve));
    if (this.behaviour.get(callId) === 'wrong-call')
      throw new XAssistWrongCallError(callId, 'some-other-call'); // as the HTTP client does
    if (this.behaviour.get(callId) === 'unavailable')
      throw new XAssistUnavailableError('xAssist answered 503', true, 503);
    const log = this.behaviour.get(callId) === 'gone' ? undefined : this.state.getCall(callId);
    if (!log) throw new XAssistRejectedError(404, 'Call not found');
    return structuredClone(log);
  }

  /** Lets every hanging poll answer (with the call as it is by then). */
  releaseHanging(): void {
    this.hanging.splice(0).forEach((release) => release());
  }

  pollsOf(callId: string): number {
    return this.polls.get(callId) ?? 0;
  }

  /** The claims of the polls of `callId` asked for so far, oldest first. */
  claimsOf(callId: string): Array<RequestClaim | undefined> {
    return this.claims.filter((asked) => asked.callId === callId).map((asked) => asked.claim);
  }

  /** Polls of `callId` waiting for the budget (while `budgetHeld`). */
  waitingOf(callId: string): number {
    return this.waiting.filter((waiter) => waiter.callId === callId).length;
  }

  /**
   * Grants the waiting polls of `callId` (of every call when unset) their slot, as the budget
   * would: only those whose attemptReady() says they can start at once.
   */
  grant(callId?: string): void {
    for (const waiter of [...this.waiting]) {
      if (callId !== undefined && waiter.callId !== callId) continue;
      if (waiter.ready && !waiter.ready()) continue;
      this.waiting.splice(this.waiting.indexOf(waiter), 1);
      waiter.grant();
    }
  }

  connectorContact(): Promise<CallLogContact> {
    return Promise.resolve(tom);
  }
  createCall(): Promise<CallLog> {
    throw new Error('not used by the tracker');
  }
  getFilteredCallLogs(): never {
    throw new Error('not used by the tracker');
  }
  searchCallLogs(): never {
    throw new Error('not used by the tracker');
  }
  circuitState() {
    return 'closed' as const;
  }
  readiness() {
    return { ready: true, circuit: 'closed' as const, login: 'ok' as const };
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A call ringing erika on `xassist`, as the tracker's specs start one. */
export function ringErika(xassist: InProcessXAssist): CallLog {
  return xassist.state.createCall({
    callTitle: 'Pump 7',
    callReason: 'STANDARD',
    callType: 'MESH',
    creatorUser: 12,
    joinAnonymousAllowed: false,
    informOthersDirectly: true,
    invitedTeams: [],
    invitedContacts: [{ userDbId: 8, userId: 'erika' }],
  });
}
