import { XAssistClient } from '../../src/xassist/xassist-client.port.js';
import type {
  CallLog,
  CallLogContact,
  CreateCallRequest,
} from '../../src/xassist-contract/xassist-contract.js';

/** The broker's own xAssist user, as a scripted xAssist names it. */
export const CONNECTOR: CallLogContact = {
  userDbId: 99,
  userId: 'connector',
  displayName: 'Broker',
  domain: 'acme',
  email: '',
  phoneNumber: '',
};

/**
 * xAssist as a unit spec scripts it (no HTTP, no simulator): createCall answers with a CallLog
 * made from the request (a `Created` event at `now()`), or throws what the test queued; it can be
 * held until the test lets it answer; searchCallLogs lists `listed`.
 */
export class ScriptedXAssist extends XAssistClient {
  /** Every createCall body, in order. */
  readonly created: CreateCallRequest[] = [];
  /** What the next createCall calls throw, one each; empty: they answer. */
  readonly failures: Error[] = [];
  /** The domain's calls as getFilteredCallLogsV2 lists them (the reconciler's search). */
  listed: CallLog[] = [];
  /** What the next searches throw, one each; empty: they list `listed`. */
  readonly searchFailures: Error[] = [];
  /** How often the domain's calls were searched. */
  searches = 0;
  /** Runs once, inside the next search: another instance acting while the reconciler asks. */
  duringSearch?: () => Promise<unknown>;
  private held?: { until: Promise<void>; release: () => void };
  private nextId = 1;

  constructor(private readonly now: () => number) {
    super();
  }

  /** createCall calls from now on wait until `release()`: xAssist answering slowly. */
  hold(): () => void {
    let release!: () => void;
    const until = new Promise<void>((resolve) => (release = resolve));
    this.held = { until, release };
    return () => {
      this.held = undefined;
      release();
    };
  }

  /** A CallLog as xAssist answers createCall for `request`, created at `at` (epoch ms). */
  logFor(request: CreateCallRequest, at = this.now()): CallLog {
    const id = this.nextId++;
    const creator = { userDbId: request.creatorUser };
    return {
      id,
      callId: `x-${id}`,
      callStatus: 'Planned',
      callType: request.callType,
      callReason: request.callReason,
      title: request.callTitle,
      callStart: null,
      creatorContact: creator,
      invitedContacts: request.invitedContacts.map((contact) => ({ ...contact })),
      callEvents: [{ id: 600 + id, type: 'Created', contact: creator, time: at }],
    };
  }

  async createCall(request: CreateCallRequest): Promise<CallLog> {
    this.created.push(request);
    await this.held?.until;
    const failure = this.failures.shift();
    if (failure) throw failure;
    return this.logFor(request);
  }

  async connectorContact(): Promise<CallLogContact> {
    return CONNECTOR;
  }
  async searchCallLogs() {
    this.searches++;
    const during = this.duringSearch;
    this.duringSearch = undefined;
    await during?.();
    const failure = this.searchFailures.shift();
    if (failure) throw failure;
    return { logs: structuredClone(this.listed), complete: true };
  }
  getCallLogById(): never {
    throw new Error('not scripted');
  }
  getFilteredCallLogs(): never {
    throw new Error('not scripted');
  }
  circuitState() {
    return 'closed' as const;
  }
  readiness() {
    return { ready: true, circuit: 'closed' as const, login: 'ok' as const };
  }
  async start(): Promise<void> {}
  async close(): Promise<void> {}
}
