import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a stand-in received, whatever it answered. */
export interface ReceivedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status the stand-in answered (0 while it is still delaying). */
  answeredStatus: number;
  /** When it arrived (Date.now()), so tests can check a sender's pace. */
  receivedAt: number;
}

export interface StandInAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A failure scripted for the next requests: an HTTP status (5xx, or 429 with Retry-After), a
 * slow answer (past the client's timeout), or a vendor-specific one the stand-in knows by name.
 * `path`: only a request whose path ends so meets it (a page delivered meanwhile does not).
 */
export type ScriptedFault = (
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'vendor'; name: string }
) & { path?: string };

/**
 * The common part of every vendor stand-in: real HTTP on 127.0.0.1, a record of what arrived,
 * and scripted faults taken one per request in order. Each vendor decides the rest in answer().
 */
export abstract class StandInServer {
  readonly received: ReceivedRequest[] = [];
  private readonly server: Server;
  private readonly faults: ScriptedFault[] = [];
  private readonly pendingTimers = new Set<NodeJS.Timeout>();

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://stand-in');
        const received: ReceivedRequest = {
          method: request.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          answeredStatus: 0,
          receivedAt: Date.now(),
        };
        this.received.push(received);
        void this.respond(received, response);
      });
    });
  }

  /** Listens on 127.0.0.1 at a free port (or `port`: back where a client expects it after close()). */
  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The next `count` requests meet this fault (after the ones already scripted). */
  script(fault: ScriptedFault, count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** Drops the faults not yet met. */
  clearScript(): void {
    this.faults.length = 0;
  }

  async close(): Promise<void> {
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The vendor's own checks and answer for a request no fault took. */
  protected abstract answer(request: ReceivedRequest): Promise<StandInAnswer> | StandInAnswer;

  /** A vendor-specific scripted fault, by name; undefined: the stand-in has no such fault. */
  protected vendorFault(_name: string, _request: ReceivedRequest): StandInAnswer | undefined {
    return undefined;
  }

  private async respond(request: ReceivedRequest, response: ServerResponse): Promise<void> {
    const at = this.faults.findIndex(
      (scripted) => scripted.path === undefined || request.path.endsWith(scripted.path),
    );
    const fault = at === -1 ? undefined : this.faults.splice(at, 1)[0];
    let answer: StandInAnswer;
    if (fault?.kind === 'status') {
      const headers = fault.retryAfter ? { 'retry-after': fault.retryAfter } : undefined;
      answer = { status: fault.status, headers, body: { error: 'scripted failure' } };
    } else if (fault?.kind === 'vendor') {
      answer = this.vendorFault(fault.name, request) ?? {
        status: 500,
        body: { error: `no fault ${fault.name}` },
      };
    } else {
      if (fault?.kind === 'slow') {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.pendingTimers.delete(timer);
            resolve();
          }, fault.delayMs);
          this.pendingTimers.add(timer);
        });
        if (response.destroyed) return;
      }
      try {
        answer = await this.answer(request);
      } catch (error) {
        answer = { status: 500, body: { error: (error as Error).message } };
      }
    }
    request.answeredStatus = answer.status;
    const body =
      answer.body === undefined
        ? ''
        : typeof answer.body === 'string'
          ? answer.body
          : JSON.stringify(answer.body);
    const type = typeof answer.body === 'string' ? 'text/plain' : 'application/json';
    response.writeHead(answer.status, { 'content-type': type, ...answer.headers });
    response.end(body);
  }
}

/** Form fields of a urlencoded or multipart body, parsed the way a server would. */
export async function formOf(request: ReceivedRequest): Promise<FormData> {
  const contentType = String(request.headers['content-type'] ?? '');
  return new Response(request.body, { headers: { 'content-type': contentType } }).formData();
}

/** JSON or undefined when the body is not JSON. */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
