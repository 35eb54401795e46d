import type {
  CallLog,
  CallLogContact,
  CreateCallRequest,
  SpringPage,
} from '../xassist-contract/xassist-contract.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * Runs one HTTP attempt when the caller allows it. The client calls it once per attempt, retries
 * included, and waits for it outside the attempt's timeout: a caller that caps its requests in
 * flight (the call tracker's poll slots) then holds a slot per attempt, never across a backoff.
 */
export type AttemptGate = <T>(attempt: () => Promise<T>) => Promise<T>;

/** What searchCallLogs found: the listed CallLogs, and whether every page was read. */
export interface CallLogSearch {
  logs: CallLog[];
  /** False when the listing had more pages than the search reads (the oldest calls were not seen). */
  complete: boolean;
}

/**
 * Who waits for a slot of the request budget (XASSIST_MAX_REQUESTS_PER_SECOND), most urgent
 * first: a technician waits for each create's 201 (logins go with them: everything waits for a
 * login), the glasses wait on ringing calls, connected calls are only watched for their end, and
 * the reconciler's listings can wait longest.
 */
export type RequestPriority = 'create' | 'ringing' | 'connected' | 'background';

/** What one request claims of the budget; every attempt (retries too) claims a slot of its own. */
export interface RequestClaim {
  priority: RequestPriority;
  /**
   * When the call was last polled (Clock ms; unset: when the claim was made). Within a priority
   * the request waiting longest goes first, so equal calls take turns, evenly spaced.
   */
  since?: number;
  /**
   * The longest the request should wait (ms since `since`): a poll past it is overdue. Overdue
   * requests go before the others, the most overdue (waited / slowestMs) first, so that when even
   * the slowest cadences do not fit the budget every call is stretched by the same ratio.
   */
  slowestMs?: number;
  /**
   * The call's first poll since this instance followed it (a new call, or one whose lease it just
   * took): it goes right after creates, before every other poll, first come first served, so a new
   * call is looked at soon rather than a whole period later. Its wait says nothing of the cadence.
   */
  firstPoll?: boolean;
}

export interface XAssistReadOptions {
  attemptGate?: AttemptGate;
  /**
   * Whether attemptGate would start an attempt at once. The budget grants a slot only to a
   * request that can use it then: a slot is spent when granted, so one granted to a request that
   * then waited for its gate could later go out in a burst with the next ones.
   */
  attemptReady?: () => boolean;
  /** Unset: a background read. */
  claim?: RequestClaim;
  /**
   * Aborted once the caller no longer wants the answer (the call is no longer followed here): a
   * request still waiting for its slot of the budget leaves it and is never sent. An attempt
   * already sent is left to finish; its answer is the caller's to ignore.
   */
  signal?: AbortSignal;
}

/** How the request budget is spent now (/readyz's xassist detail, and /metrics). */
export interface XAssistBudgetState {
  /** XASSIST_MAX_REQUESTS_PER_SECOND. */
  perSecond: number;
  /**
   * Polls are granted later than their slowest cadence: the budget does not fit every followed
   * call. Not a reason to be unready: every call is still followed, only less often.
   */
  stretched: boolean;
  /** Recent mean time between a call's polls, by priority; unset when none was polled lately. */
  periodsMs: { ringing?: number; connected?: number };
  /** Requests waiting for a slot now, by priority. */
  waiting: Record<RequestPriority, number>;
}

/** Whether the broker can work with xAssist now, and if not why (for /readyz). */
export interface XAssistReadiness {
  ready: boolean;
  circuit: CircuitState;
  /** `refused`: xAssist refused the connector's credentials; `not yet`: no login succeeded so far. */
  login: 'ok' | 'refused' | 'not yet';
  reason?: string;
  /** Unset by clients that spend no budget (test doubles). */
  budget?: XAssistBudgetState;
}

/**
 * The broker's only door to xAssist. Callers see contract objects and typed errors
 * (XAssistUnavailableError, XAssistRejectedError, XAssistAuthError), never HTTP.
 * An abstract class so that it doubles as the DI token.
 */
export abstract class XAssistClient {
  /** The connector's own user, as the login response describes it; logs in if needed. */
  abstract connectorContact(): Promise<CallLogContact>;
  /** Sent at most once once it may have reached xAssist: a timeout is not retried. */
  abstract createCall(request: CreateCallRequest): Promise<CallLog>;
  abstract getCallLogById(callId: string, options?: XAssistReadOptions): Promise<CallLog>;
  abstract getFilteredCallLogs(size: number): Promise<SpringPage<CallLog>>;
  /**
   * The domain's calls, newest first, from getFilteredCallLogsV2 page by page (its filters are not
   * documented: only Spring's page, size and sort are sent), up to `maxPages` pages of `pageSize`.
   */
  abstract searchCallLogs(options?: {
    pageSize?: number;
    maxPages?: number;
  }): Promise<CallLogSearch>;
  abstract circuitState(): CircuitState;
  /** Not ready while the circuit is open or xAssist refuses the connector's credentials. */
  abstract readiness(): XAssistReadiness;
  /** Logs in once at start-up so that a wrong password shows at once; never throws. */
  abstract start(): Promise<void>;
  abstract close(): Promise<void>;
}
