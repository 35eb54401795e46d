import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XASSIST_PATHS, type LoginRequest } from '../xassist-contract/xassist-contract.js';
import { CONTROL_PREFIX, control } from './simulator-control.js';
import { BadJsonError, readJson } from './simulator-body.js';
import { RequestArrivals } from './request-arrivals.js';
import { listingPage } from './simulator-listing.js';
import { FaultQueue, json, serveFault, springError, type Fault } from './simulator-faults.js';
import { SimulatorState, SimulatorValidationError, type SimulatorUser } from './simulator-state.js';

export type { Fault, FaultKind } from './simulator-faults.js';

export interface DemoScript {
  expertJoinAfterMs: number;
  technicianJoinAfterMs: number;
  endAfterMs: number;
}

/** The broker's demo mode (the README walks through it): when its people join, and the end. */
export const DEMO_SCRIPT: DemoScript = {
  expertJoinAfterMs: 4000,
  technicianJoinAfterMs: 3000,
  endAfterMs: 20000,
};

export interface SimulatorOptions {
  port?: number;
  host?: string;
  domainTag?: string;
  credentials?: { username: string; password: string };
  connectorUser?: SimulatorUser;
  users?: SimulatorUser[];
  tokenTtlMs?: number;
  /** When set, every new call plays itself out: expert joins, technician joins, call ends. */
  demo?: DemoScript;
}

export interface SimulatorStats {
  logins: number;
  failedLogins: number;
  requests: Record<string, number>;
  /** getCallLogById requests per callId, faulted ones included: how hard each call is polled. */
  pollsByCall: Record<string, number>;
}

/**
 * An HTTP implementation of ../shared/spec/xassist-api.md, with a control API under /_sim/
 * that plays the people on the other side and injects faults.
 */
export class XAssistSimulator {
  readonly state: SimulatorState;
  readonly stats: SimulatorStats = { logins: 0, failedLogins: 0, requests: {}, pollsByCall: {} };
  readonly faults = new FaultQueue();
  /** When each xAssist request arrived (control requests aside): the busiest second, for limits. */
  readonly arrivals = new RequestArrivals();
  /** getCallLogById requests under way (arrived, their answer not yet written or dropped), by callId. */
  readonly pollsInFlight = new Map<string, number>();
  /** Told of each getCallLogById as it arrives, with the polls then under way (this one included). */
  onPoll?: (callId: string, inFlight: ReadonlyMap<string, number>) => void;
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Checked on every poll: waits for calls to have been polled often enough (whenPolled). */
  private readonly pollWaiters = new Set<() => void>();
  private readonly options: Required<Omit<SimulatorOptions, 'demo' | 'port' | 'host'>> &
    SimulatorOptions;

  constructor(options: SimulatorOptions = {}) {
    const connectorUser: SimulatorUser = options.connectorUser ?? {
      userDbId: 1,
      userId: 'broker',
      displayName: 'Expert Call Broker',
      domain: options.domainTag ?? 'demo',
      email: 'broker@example.invalid',
      phoneNumber: '',
    };
    this.options = {
      domainTag: 'demo',
      credentials: { username: 'broker', password: 'broker-password' },
      users: [],
      tokenTtlMs: 3_600_000,
      ...options,
      connectorUser,
    };
    this.state = new SimulatorState(
      [connectorUser, ...this.options.users],
      this.options.tokenTtlMs,
    );
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
  }

  get basePath(): string {
    return `/${this.options.domainTag}/`;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const { port, address } = this.server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    return `http://${host}:${port}${this.basePath}`;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  injectFault(fault: Fault): void {
    this.faults.add(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  requestCount(path: string): number {
    return this.stats.requests[path] ?? 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://simulator');
      const isControl = url.pathname.startsWith(CONTROL_PREFIX);
      // On arrival, before the body is read: the moment a rate limit at xAssist would count.
      if (!isControl) this.arrivals.record();
      const body = await readJson(req);
      if (isControl) return control(this, req.method ?? 'GET', url, body, res);
      if (!url.pathname.startsWith(this.basePath))
        return json(res, 404, { message: `unknown domain in ${url.pathname}` });
      const path = url.pathname.slice(this.basePath.length);
      this.stats.requests[path] = (this.stats.requests[path] ?? 0) + 1;
      const callId = url.searchParams.get('callId') ?? undefined;
      if (path === XASSIST_PATHS.getCallLogById && callId !== undefined)
        this.pollArrived(callId, res);
      const fault = this.faults.take(path, Date.now(), callId);
      const context = this.faultContext(req, res, url);
      if (fault && (await serveFault(fault, context))) return;
      if (fault?.kind === 'lost-answer') {
        // Done on xAssist's side, but the answer is lost: written nowhere, then the socket drops.
        await this.contract(req.method ?? 'GET', path, url, body, req, new ServerResponse(req));
        await context.sleep(fault.delayMs ?? 5000);
        req.socket.destroy();
        return;
      }
      await this.contract(req.method ?? 'GET', path, url, body, req, res);
    } catch (error) {
      if (error instanceof BadJsonError || error instanceof SimulatorValidationError)
        return springError(res, 400, error.message);
      springError(res, 500, String(error));
    }
  }

  private pollArrived(callId: string, res: ServerResponse): void {
    this.stats.pollsByCall[callId] = (this.stats.pollsByCall[callId] ?? 0) + 1;
    const inFlight = this.pollsInFlight;
    inFlight.set(callId, (inFlight.get(callId) ?? 0) + 1);
    // 'close' comes with the answer written, or with the caller gone (its timeout): no slot then.
    res.once('close', () => {
      const left = (inFlight.get(callId) ?? 1) - 1;
      if (left > 0) inFlight.set(callId, left);
      else inFlight.delete(callId);
    });
    this.onPoll?.(callId, inFlight);
    for (const check of [...this.pollWaiters]) check();
  }

  /**
   * Resolves true once every one of `callIds` has been polled at least `atLeast` times (in all,
   * or `{ more }` times more than now), false after `timeoutMs`: a wait on the polls themselves,
   * for drivers in another process.
   */
  whenPolled(
    callIds: readonly string[],
    atLeast: number | { more: number },
    timeoutMs: number,
  ): Promise<boolean> {
    const polls = (callId: string) => this.stats.pollsByCall[callId] ?? 0;
    const targets = new Map(
      callIds.map((id) => [id, typeof atLeast === 'number' ? atLeast : polls(id) + atLeast.more]),
    );
    const reached = () => callIds.every((callId) => polls(callId) >= targets.get(callId)!);
    if (reached()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (outcome: boolean) => {
        this.pollWaiters.delete(check);
        clearTimeout(timer);
        resolve(outcome);
      };
      const check = () => reached() && done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.pollWaiters.add(check);
    });
  }

  private faultContext(req: IncomingMessage, res: ServerResponse, url: URL) {
    return {
      req,
      res,
      url,
      state: this.state,
      sleep: (ms: number) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            resolve();
          }, ms);
          this.timers.add(timer);
        }),
      countRefusedLogin: () => void this.stats.failedLogins++,
    };
  }

  private async contract(
    method: string,
    path: string,
    url: URL,
    body: unknown,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (method === 'POST' && path === XASSIST_PATHS.login) return this.login(body, res);
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    if (!this.state.isTokenValid(token)) {
      return springError(res, 401, 'Full authentication is required');
    }
    if (method === 'POST' && path === XASSIST_PATHS.createCall) {
      const log = this.state.createCall(body);
      this.playDemo(log.callId);
      return json(res, 200, log);
    }
    if (method === 'GET' && path === XASSIST_PATHS.getCallLogById) {
      const callId = url.searchParams.get('callId') ?? '';
      const log = this.state.getCall(callId);
      if (!log) return springError(res, 404, 'Call not found');
      return json(res, 200, log);
    }
    if (method === 'GET' && path === XASSIST_PATHS.getFilteredCallLogsV2)
      return json(res, 200, listingPage(this.state.listCalls(), url.searchParams));
    springError(res, 404, `no route ${method} ${path}`);
  }

  private login(body: unknown, res: ServerResponse): void {
    const request = (body ?? {}) as Partial<LoginRequest>;
    const { username, password } = this.options.credentials;
    if (
      request.username !== username ||
      request.password !== password ||
      request.domain !== this.options.domainTag
    ) {
      this.stats.failedLogins++;
      return springError(res, 401, 'Bad credentials');
    }
    this.stats.logins++;
    const user = this.options.connectorUser;
    json(res, 200, {
      token: this.state.issueToken(),
      refreshToken: this.state.issueToken(),
      refreshTokenValidUntil: Date.now() + 86_400_000,
      userId: user.userId,
      displayName: user.displayName,
      domainTag: this.options.domainTag,
      permissions: ['CALL_CREATE'],
      user: { id: user.userDbId, ...user },
    });
  }

  private playDemo(callId: string): void {
    const script = this.options.demo;
    if (!script) return;
    const log = this.state.getCall(callId)!;
    const connector = this.options.connectorUser.userId;
    const expert = log.invitedContacts?.find((contact) => contact.userId !== connector)?.userId;
    const technician = log.creatorContact?.userId;
    const at = (delayMs: number, step: () => void) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        try {
          step();
        } catch {
          // The call may have ended or been driven elsewhere meanwhile; the demo just stops.
        }
      }, delayMs);
      this.timers.add(timer);
    };
    const expertAt = script.expertJoinAfterMs;
    const technicianAt = expertAt + script.technicianJoinAfterMs;
    if (expert) at(expertAt, () => this.state.join(callId, expert));
    if (technician) at(technicianAt, () => this.state.join(callId, technician));
    at(technicianAt + script.endAfterMs, () => this.state.end(callId));
  }
}
