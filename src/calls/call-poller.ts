import type { Logger } from 'pino';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { RequestClaim, XAssistClient } from '../xassist/xassist-client.port.js';
import { XAssistAuthError, XAssistRejectedError } from '../xassist/xassist.errors.js';
import type { CallLog } from '../xassist-contract/xassist-contract.js';
import type { AttemptPace, PollSlots } from './poll-slots.js';
import { RepeatedFailureLog } from './repeated-failure-log.js';

/** The poll-failure streak of every call while xAssist refuses the broker's login. */
const LOGIN_REFUSED = 'all calls: xAssist login refused';

export type PollOutcome = { log: CallLog } | { notFound: true } | { failed: true };

/** One poll of one followed call. */
export interface PollRequest {
  callId: string;
  xassistCallId: string;
  /** Its turn of the request budget. */
  claim: RequestClaim;
  /** How its attempts have been going, and its 404s in a row: kept up to date by the poll. */
  state: { pace: AttemptPace; notFound: number };
  /** Its first attempt passed the gate (the budget granted it): the poll started now. */
  started(): void;
  /** Whether the call is no longer followed here (or the broker stops): then no failure counts. */
  abandoned(): boolean;
  /** Aborted once abandoned(): a poll still waiting for the budget leaves it, never sent. */
  signal: AbortSignal;
}

/**
 * Polls xAssist about a call: getCallLogById claiming the call's turn of the request budget, each
 * attempt (retries too) in one of the poll slots, the budget granting one only while the slots
 * would start it at once. Counts and times the polls (from their start, not their wait in the
 * budget), logs a failure once per streak (a refused login once for all calls alike).
 */
export class CallPoller {
  private readonly failures: RepeatedFailureLog;

  constructor(
    private readonly xassist: XAssistClient,
    private readonly slots: PollSlots,
    private readonly metrics: MetricsService,
    logger: Logger,
  ) {
    this.failures = new RepeatedFailureLog(logger, 'warn', 'polling xAssist failed');
  }

  async poll(request: PollRequest): Promise<PollOutcome> {
    const { callId, state } = request;
    let stopTimer: (() => void) | undefined;
    try {
      const log = await this.xassist.getCallLogById(request.xassistCallId, {
        claim: request.claim,
        signal: request.signal,
        attemptReady: () => this.slots.admits(state.pace),
        attemptGate: (attempt) => {
          if (!stopTimer) {
            stopTimer = this.metrics.pollDuration.startTimer();
            request.started();
          }
          return this.slots.run(state.pace, attempt);
        },
      });
      this.metrics.polls.inc({ outcome: 'ok' });
      this.failures.succeeded(callId);
      this.failures.succeeded(LOGIN_REFUSED);
      state.notFound = 0;
      return { log };
    } catch (error) {
      if (request.abandoned()) return { failed: true };
      this.metrics.polls.inc({ outcome: 'failed' });
      // A refused login fails every followed call alike: one streak for all, not one per call.
      if (error instanceof XAssistAuthError)
        this.failures.failed(LOGIN_REFUSED, error, LOGIN_REFUSED);
      else this.failures.failed(callId, error);
      if (error instanceof XAssistRejectedError && error.status === 404) {
        state.notFound++;
        return { notFound: true };
      }
      return { failed: true };
    } finally {
      stopTimer?.();
    }
  }

  /** The call is no longer followed: its failure streak ends unreported. */
  forget(callId: string): void {
    this.failures.forget(callId);
  }
}
