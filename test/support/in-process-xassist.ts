import { xassistContactOf } from '../../src/directory/person.js';
import { SimulatorState } from '../../src/simulator/simulator-state.js';
import { XAssistClient, type XAssistReadOptions } from '../../src/xassist/xassist-client.port.js';
import {
  XAssistRejectedError,
  XAssistUnavailableError,
  XAssistWrongCallError,
} from '../../src/xassist/xassist.errors.js';
import type { CallLog, CallLogContact } from '../../src/xassist-contract/xassist-contract.js';
import { people } from './people.js';

const tom: CallLogContact = xassistContactOf(people.tom)!;

/**
 * xAssist in-process: the simulator's own call state (no HTTP), answering each poll as one attempt
 * through the tracker's gate; a call can be made to hang, vanish (404) or fail.
 */
export class InProcessXAssist extends XAssistClient {
  readonly state = new SimulatorState([tom], 3_600_000);
  readonly polls = new Map<string, number>();
  readonly behaviour = new Map<string, 'hang' | 'unavailable' | 'gone' | 'wrong-call'>();
  private readonly hanging: Array<() => void> = [];

  async getCallLogById(callId: string, options: XAssistReadOptions = {}): Promise<CallLog> {
    const gate = options.attemptGate ?? ((attempt) => attempt());
    return gate(async () => {
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
    });
  }

  /** Lets every hanging poll answer (with the call as it is by then). */
  releaseHanging(): void {
    this.hanging.splice(0).forEach((release) => release());
  }

  pollsOf(callId: string): number {
    return this.polls.get(callId) ?? 0;
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
