import type { ServerResponse } from 'node:http';
import {
  FAULT_KINDS,
  json,
  type Fault,
  type FaultKind,
  type FaultQueue,
} from './simulator-faults.js';
import type { RequestArrivals } from './request-arrivals.js';
import {
  SimulatorValidationError,
  type NewCallEvent,
  type OversizedEventKind,
  type SimulatorState,
} from './simulator-state.js';

export const CONTROL_PREFIX = '/_sim/';

export interface ControlTarget {
  state: SimulatorState;
  faults: FaultQueue;
  stats: object;
  arrivals: RequestArrivals;
  whenPolled(
    callIds: readonly string[],
    atLeast: number | { more: number },
    timeoutMs: number,
  ): Promise<boolean>;
}

/** The control API under /_sim/: plays the people on the other side and injects faults. */
export function control(
  target: ControlTarget,
  method: string,
  url: URL,
  body: unknown,
  res: ServerResponse,
): void {
  const { state, faults } = target;
  const parts = url.pathname.slice(CONTROL_PREFIX.length).split('/').filter(Boolean);
  const input = (body ?? {}) as Record<string, unknown>;
  // Only calls/ carries an id; tokens/expire is a plain two-part route.
  const path =
    parts[0] === 'calls' && parts.length > 1
      ? ['calls', ':id', ...parts.slice(2)].join('/')
      : parts.join('/');
  const route = `${method} ${path}`;
  switch (route) {
    case 'GET stats':
      return json(res, 200, { ...target.stats, createCallBodies: state.createCallBodies });
    case 'GET calls':
      return json(res, 200, state.listCalls());
    case 'GET calls/:id': {
      const log = state.getCall(parts[1]);
      return log ? json(res, 200, log) : json(res, 404, { message: 'no such call' });
    }
    case 'POST calls/:id/join':
      return json(res, 200, state.join(parts[1], String(input.userId)));
    case 'POST calls/:id/leave':
      return json(res, 200, state.leave(parts[1], String(input.userId)));
    case 'POST calls/:id/events':
      if (typeof input.type !== 'string')
        throw new SimulatorValidationError('type must be a string');
      return json(res, 200, state.addEvent(parts[1], input as NewCallEvent));
    case 'POST calls/:id/burst':
      return json(res, 200, {
        added: state.addBurst(parts[1], Number(input.count), optionalType(input.type)).length,
      });
    case 'POST calls/:id/oversized-event':
      return json(res, 200, state.addOversizedEvent(parts[1], input.kind as OversizedEventKind));
    case 'POST calls/:id/forget':
      state.forget(parts[1]);
      return json(res, 200, { forgotten: parts[1] });
    case 'POST calls/:id/end':
      return json(res, 200, state.end(parts[1]));
    case 'POST tokens/expire':
      return json(res, 200, { expired: state.expireTokens() });
    case 'POST faults':
      if (!FAULT_KINDS.includes(input.kind as FaultKind)) {
        throw new SimulatorValidationError(`kind must be one of ${FAULT_KINDS.join(', ')}`);
      }
      if (input.forMs !== undefined && !(Number.isInteger(input.forMs) && Number(input.forMs) > 0))
        throw new SimulatorValidationError('forMs must be a positive whole number of milliseconds');
      faults.add({ count: 1, ...(input as Partial<Fault>), kind: input.kind as FaultKind });
      return json(res, 200, { faults: faults.list() });
    case 'POST polls/wait':
      return void waitForPolls(target, input, res);
    case 'GET requests/rate':
      return requestRate(target.arrivals, url.searchParams, res);
    case 'DELETE faults':
      faults.clear();
      return json(res, 200, { faults: [] });
    default:
      return json(res, 404, { message: `no control route ${method} ${url.pathname}` });
  }
}

/** Answers once the calls were polled `atLeast` times each (200), or after `timeoutMs` (408). */
async function waitForPolls(
  target: ControlTarget,
  input: Record<string, unknown>,
  res: ServerResponse,
): Promise<void> {
  const { callIds, atLeast, more, timeoutMs } = input;
  if (!Array.isArray(callIds) || !callIds.every((id) => typeof id === 'string'))
    return json(res, 400, { message: 'callIds must be an array of call ids' });
  const count = more ?? atLeast;
  if (!Number.isInteger(count) || !Number.isInteger(timeoutMs) || Number(timeoutMs) <= 0)
    return json(res, 400, {
      message: 'atLeast (or more) and timeoutMs must be whole numbers, timeoutMs > 0',
    });
  const reached = await target.whenPolled(
    callIds,
    more === undefined ? Number(atLeast) : { more: Number(more) },
    Number(timeoutMs),
  );
  if (reached) return json(res, 200, { reached: true });
  json(res, 408, {
    message: `not every call was polled ${String(atLeast)} times in ${String(timeoutMs)} ms`,
  });
}

/**
 * The xAssist requests that arrived from `since` (epoch ms, default: the start) to `until`
 * (default: now), and the most of them in any sliding window of `windowMs` (default 1000).
 */
function requestRate(arrivals: RequestArrivals, query: URLSearchParams, res: ServerResponse): void {
  const read = (name: string, min: number): number | undefined | null => {
    const raw = query.get(name);
    if (raw === null) return undefined;
    const value = Number(raw);
    return raw !== '' && Number.isInteger(value) && value >= min ? value : null;
  };
  const [since, until, windowMs] = [read('since', 0), read('until', 0), read('windowMs', 1)];
  if (since === null || until === null || windowMs === null)
    return json(res, 400, {
      message: 'since and until must be whole epoch milliseconds, windowMs a whole number > 0',
    });
  json(res, 200, arrivals.rate(since, until, windowMs));
}

function optionalType(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new SimulatorValidationError('type must be a string');
  return value;
}
