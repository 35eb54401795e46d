import {
  BrokenCircuitError,
  CircuitState as BreakerState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  type IPolicy,
} from 'cockatiel';
import type { Logger } from 'pino';
import { Pool } from 'undici';
import type { XAssistConfig } from '../config/app-config.js';
import {
  XASSIST_PATHS,
  type CallLog,
  type CallLogContact,
  type CreateCallRequest,
  type LoginRequest,
  type LoginResponse,
  type SpringPage,
} from '../xassist-contract/xassist-contract.js';
import type {
  AttemptGate,
  CircuitState,
  XAssistClient,
  XAssistReadOptions,
} from './xassist-client.port.js';
import {
  XAssistAuthError,
  XAssistRejectedError,
  XAssistUnavailableError,
} from './xassist.errors.js';

interface Session {
  token: string;
  connector: CallLogContact;
}

interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

interface Answer {
  status: number;
  body: unknown;
}

/** Errors meaning the request never left this process: nothing reached xAssist. */
const NOT_SENT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

export interface XAssistRetryOptions {
  retryAttempts: number;
  retryInitialDelayMs: number;
}

const DEFAULT_RETRY: XAssistRetryOptions = { retryAttempts: 3, retryInitialDelayMs: 100 };

/** XAssistClient over an undici Pool, with cockatiel retry, timeout and circuit breaking. */
export class XAssistHttpClient implements XAssistClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  private session?: Session;
  private loginInFlight?: Promise<Session>;
  private readonly breaker;
  /** For idempotent requests: retried on any unavailability. */
  private readonly readRetry: IPolicy;
  /** For createCall: retried only when the request provably never left. */
  private readonly createRetry: IPolicy;
  /** One attempt: the circuit breaker and the attempt's timeout (a caller's gate waits outside it). */
  private readonly attemptPolicy: IPolicy;

  constructor(
    private readonly config: XAssistConfig,
    private readonly logger: Logger,
    retryOptions: Partial<XAssistRetryOptions> = {},
  ) {
    const options = { ...DEFAULT_RETRY, ...retryOptions };
    const url = new URL(config.baseUrl);
    this.basePath = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    this.pool = new Pool(url.origin, {
      connections: config.maxConnections,
      connect: { timeout: config.connectTimeoutMs },
      headersTimeout: config.requestTimeoutMs,
      bodyTimeout: config.requestTimeoutMs,
      keepAliveTimeout: 10_000,
    });

    const isUnavailable = handleWhen((error) => error instanceof XAssistUnavailableError);
    this.breaker = circuitBreaker(isUnavailable, {
      halfOpenAfter: config.breakerHalfOpenAfterMs,
      breaker: new ConsecutiveBreaker(config.breakerThreshold),
    });
    this.breaker.onStateChange((state) =>
      this.logger.warn({ circuit: BreakerState[state] }, 'xAssist circuit breaker changed state'),
    );
    const perAttempt = timeout(
      config.requestTimeoutMs + config.connectTimeoutMs,
      TimeoutStrategy.Aggressive,
    );
    const backoff = new ExponentialBackoff({
      initialDelay: options.retryInitialDelayMs,
      maxDelay: 5_000,
    });
    const retryWhen = (predicate: (error: XAssistUnavailableError) => boolean) =>
      retry(
        handleWhen((error) => error instanceof XAssistUnavailableError && predicate(error)),
        { maxAttempts: options.retryAttempts - 1, backoff },
      );
    this.readRetry = retryWhen(() => true);
    this.createRetry = retryWhen((error) => !error.mayHaveReachedXAssist);
    this.attemptPolicy = wrap(this.breaker, perAttempt);
  }

  circuitState(): CircuitState {
    switch (this.breaker.state) {
      case BreakerState.Closed:
        return 'closed';
      case BreakerState.HalfOpen:
        return 'half-open';
      default:
        return 'open';
    }
  }

  async connectorContact(): Promise<CallLogContact> {
    return { ...(await this.currentSession()).connector };
  }

  async createCall(request: CreateCallRequest): Promise<CallLog> {
    const log = await this.authorized('POST', XASSIST_PATHS.createCall, request, this.createRetry);
    return asCallLog(log);
  }

  async getCallLogById(callId: string, options: XAssistReadOptions = {}): Promise<CallLog> {
    const path = `${XASSIST_PATHS.getCallLogById}?callId=${encodeURIComponent(callId)}`;
    return asCallLog(
      await this.authorized('GET', path, undefined, this.readRetry, options.attemptGate),
    );
  }

  async getFilteredCallLogs(size: number): Promise<SpringPage<CallLog>> {
    const path = `${XASSIST_PATHS.getFilteredCallLogsV2}?size=${encodeURIComponent(String(size))}`;
    const page = (await this.authorized(
      'GET',
      path,
      undefined,
      this.readRetry,
    )) as SpringPage<unknown>;
    if (!Array.isArray(page?.content))
      throw new XAssistUnavailableError('xAssist answered a page without content[]', true);
    return { ...page, content: page.content.map(asCallLog) };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Sends with the current token; on a 401 logs in once (shared by everyone) and repeats. */
  private async authorized(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    retryPolicy: IPolicy,
    gate?: AttemptGate,
  ): Promise<unknown> {
    const session = await this.currentSession();
    let response = await this.send(method, path, body, session.token, retryPolicy, gate);
    if (response.status === 401) {
      const renewed = await this.renewSession(session.token);
      response = await this.send(method, path, body, renewed.token, retryPolicy, gate);
      if (response.status === 401)
        throw new XAssistAuthError('xAssist refused a freshly issued token');
    }
    return successBody(response);
  }

  private currentSession(): Promise<Session> {
    return this.session ? Promise.resolve(this.session) : this.login();
  }

  private renewSession(staleToken: string): Promise<Session> {
    if (this.session && this.session.token !== staleToken) return Promise.resolve(this.session);
    return this.login();
  }

  /** Single flight: concurrent callers share one login request. */
  private login(): Promise<Session> {
    this.loginInFlight ??= this.performLogin().finally(() => {
      this.loginInFlight = undefined;
    });
    return this.loginInFlight;
  }

  private async performLogin(): Promise<Session> {
    const credentials: LoginRequest = {
      username: this.config.username,
      password: this.config.password,
      domain: this.config.domain,
      agreedToTos: true,
    };
    const response = await this.send(
      'POST',
      XASSIST_PATHS.login,
      credentials,
      undefined,
      this.readRetry,
    );
    if (response.status >= 400 && response.status < 500) {
      this.logger.error(
        { status: response.status, username: this.config.username },
        'xAssist refused the login',
      );
      throw new XAssistAuthError(
        `xAssist refused the login of "${this.config.username}" (${response.status})`,
      );
    }
    const login = successBody(response) as LoginResponse;
    if (typeof login?.token !== 'string' || login.token === '') {
      throw new XAssistUnavailableError('xAssist answered the login without a token', true);
    }
    this.session = { token: login.token, connector: connectorFrom(login, this.config.domain) };
    this.logger.info({ connectorUserId: this.session.connector.userId }, 'logged in to xAssist');
    return this.session;
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    token: string | undefined,
    retryPolicy: IPolicy,
    gate: AttemptGate = (attempt) => attempt(),
  ): Promise<Answer> {
    const operation = path.split('?')[0];
    const attempt = (parent: AbortSignal) =>
      this.attemptPolicy.execute(async ({ signal }) => {
        const raw = await this.request(method, path, operation, body, token, signal);
        const answer = decode(raw, operation);
        if (answer.status >= 500) {
          const detail = errorMessage(answer.body);
          throw new XAssistUnavailableError(
            `xAssist answered ${answer.status} to ${operation}: ${detail}`,
            true,
            answer.status,
          );
        }
        return answer;
      }, parent);
    try {
      // The gate is waited for outside the attempt's timeout and breaker: a wait is no failure.
      return await retryPolicy.execute(({ signal }) => gate(() => attempt(signal)));
    } catch (error) {
      const failure = this.classify(error, operation);
      this.logger.warn({ operation, error: failure.message }, 'xAssist request failed');
      throw failure;
    }
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    operation: string,
    body: unknown,
    token: string | undefined,
    signal: AbortSignal,
  ): Promise<RawResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await this.pool.request({
        method,
        path: this.basePath + path,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      const text = await response.body.text();
      const contentType = String(response.headers['content-type'] ?? '');
      return { status: response.statusCode, contentType, text };
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (NOT_SENT_CODES.has(code)) {
        throw new XAssistUnavailableError(
          `cannot connect to xAssist for ${operation} (${code})`,
          false,
        );
      }
      throw new XAssistUnavailableError(
        `xAssist did not answer ${operation} (${code || 'aborted'})`,
        true,
      );
    }
  }

  private classify(error: unknown, operation: string): Error {
    if (error instanceof XAssistUnavailableError || error instanceof XAssistAuthError) return error;
    if (error instanceof BrokenCircuitError) {
      return new XAssistUnavailableError(`xAssist circuit is open; ${operation} not sent`, false);
    }
    if (error instanceof TaskCancelledError) {
      return new XAssistUnavailableError(`xAssist timed out on ${operation}`, true);
    }
    return new XAssistUnavailableError(`xAssist request ${operation} failed unexpectedly`, true);
  }
}

/** JSON where JSON was due, or XAssistUnavailableError: an HTML page or garbage means xAssist is not itself. */
function decode(response: RawResponse, operation: string): Answer {
  const looksHtml = /html/i.test(response.contentType) || /^\s*</.test(response.text);
  if (looksHtml) {
    throw new XAssistUnavailableError(
      `xAssist answered an HTML page (${response.status}) to ${operation}`,
      true,
      response.status,
    );
  }
  try {
    return {
      status: response.status,
      body: response.text === '' ? undefined : JSON.parse(response.text),
    };
  } catch {
    throw new XAssistUnavailableError(
      `xAssist answered malformed JSON (${response.status}) to ${operation}`,
      true,
      response.status,
    );
  }
}

function successBody(answer: Answer): unknown {
  if (answer.status >= 400)
    throw new XAssistRejectedError(answer.status, errorMessage(answer.body));
  return answer.body;
}

function errorMessage(body: unknown): string {
  if (body && typeof body === 'object') {
    const { message, error } = body as { message?: unknown; error?: unknown };
    if (typeof message === 'string' && message) return message.slice(0, 500);
    if (typeof error === 'string' && error) return error.slice(0, 500);
  }
  return 'no message';
}

function asCallLog(value: unknown): CallLog {
  const log = value as CallLog;
  if (!log || typeof log !== 'object' || typeof log.callId !== 'string') {
    throw new XAssistUnavailableError('xAssist answered something that is not a CallLog', true);
  }
  return { ...log, callEvents: Array.isArray(log.callEvents) ? log.callEvents : [] };
}

/** The connector's own contact, from whatever the login response carries. */
function connectorFrom(login: LoginResponse, domain: string): CallLogContact {
  const user = login.user ?? {};
  const pick = <T>(key: string, fallback: T): T => (user[key] ?? fallback) as T;
  return {
    displayName: login.displayName ?? pick('displayName', login.userId),
    domain: login.domainTag ?? pick('domain', domain),
    email: pick('email', ''),
    phoneNumber: pick('phoneNumber', ''),
    userDbId: Number(pick('userDbId', pick('id', 0))),
    userId: login.userId ?? pick('userId', ''),
  };
}
