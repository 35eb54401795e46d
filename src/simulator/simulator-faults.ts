import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { XASSIST_PATHS } from '../xassist-contract/xassist-contract.js';
import type { SimulatorState } from './simulator-state.js';

export const FAULT_KINDS = [
  'status',
  'html',
  'slow',
  'malformed',
  'reset',
  'mismatch',
  'refuse-login',
  'lost-answer',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A fault served instead of (or, for `slow`, before) the next `count` contract answers. */
export interface Fault {
  kind: FaultKind;
  count: number;
  /** When set, the fault is served to every matching request for this long, whatever `count` says. */
  forMs?: number;
  /** HTTP status for `status`, `html` and `refuse-login` (default 503, 502 and 401). */
  status?: number;
  /**
   * Delay for `slow` (default 5000 ms), and for `lost-answer`: the request is carried out, then
   * after this delay the connection drops without an answer (xAssist did it; the caller never hears).
   */
  delayMs?: number;
  /**
   * Only requests whose path ends with this ('login', 'rtc/createCall', ...). `mismatch` applies
   * to getCallLogById and `refuse-login` to login whatever this says.
   */
  path?: string;
  /** Only requests about this xAssist call (getCallLogById's `callId`): one call slow, the rest not. */
  callId?: string;
}

/** Faults that only make sense on one operation. */
const ONLY_ON: Partial<Record<FaultKind, string>> = {
  mismatch: XASSIST_PATHS.getCallLogById,
  'refuse-login': XASSIST_PATHS.login,
};

/** The queue of injected faults; the first one matching a request is served. */
export class FaultQueue {
  private readonly faults: Array<Fault & { until?: number }> = [];

  add(fault: Fault, now = Date.now()): void {
    if (!FAULT_KINDS.includes(fault.kind)) {
      throw new Error(`kind must be one of ${FAULT_KINDS.join(', ')}`);
    }
    const path = ONLY_ON[fault.kind] ?? fault.path;
    const until = fault.forMs === undefined ? undefined : now + fault.forMs;
    this.faults.push({ ...fault, ...(path ? { path } : {}), ...(until ? { until } : {}) });
  }

  clear(): void {
    this.faults.length = 0;
  }

  list(): Fault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  take(path: string, now = Date.now(), callId?: string): Fault | undefined {
    for (let index = this.faults.length - 1; index >= 0; index--) {
      const until = this.faults[index].until;
      if (until !== undefined && until <= now) this.faults.splice(index, 1);
    }
    const index = this.faults.findIndex(
      (fault) =>
        (!fault.path || path.endsWith(fault.path)) && (!fault.callId || fault.callId === callId),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index];
    if (fault.until === undefined && --fault.count <= 0) this.faults.splice(index, 1);
    return fault;
  }
}

export interface FaultContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  state: SimulatorState;
  /** Waits `ms` on a timer the simulator clears when it closes. */
  sleep(ms: number): Promise<void>;
  /** Counts a refused login in the simulator's stats. */
  countRefusedLogin(): void;
}

/** Serves `fault`; returns true when it replaced the answer (false: answer normally, later). */
export async function serveFault(fault: Fault, context: FaultContext): Promise<boolean> {
  const { req, res } = context;
  switch (fault.kind) {
    case 'status':
      springError(res, fault.status ?? 503, 'injected fault');
      return true;
    case 'html':
      res.writeHead(fault.status ?? 502, { 'content-type': 'text/html' });
      res.end(
        '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>',
      );
      return true;
    case 'malformed':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"callId": "truncated');
      return true;
    case 'reset':
      req.socket.destroy();
      return true;
    case 'slow':
      await context.sleep(fault.delayMs ?? 5000);
      return res.destroyed;
    case 'mismatch':
      json(res, 200, anotherCall(context));
      return true;
    case 'lost-answer':
      return false; // the simulator carries the request out itself, then drops the answer
    case 'refuse-login':
      context.countRefusedLogin();
      springError(res, fault.status ?? 401, 'Bad credentials');
      return true;
  }
}

/** Some other call's log (a copy of the asked one under a fresh callId when there is no other). */
function anotherCall({ url, state }: FaultContext): unknown {
  const asked = url.searchParams.get('callId') ?? '';
  const other = state.listCalls().find((log) => log.callId !== asked);
  if (other) return other;
  const copy = state.getCall(asked);
  return { ...(copy ?? { id: 0, callStatus: 'Planned', callEvents: [] }), callId: randomUUID() };
}

/** An error as xAssist's Spring back end words it. */
export function springError(res: ServerResponse, status: number, message: string): void {
  json(res, status, { status, error: STATUS_CODES[status] ?? 'Error', message });
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
