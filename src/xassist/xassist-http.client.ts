import type { IPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import { SystemClock } from '../common/clock.js';
import { MemoryRateLimiter } from '../cluster/shared-rate-limiter.js';
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
import {
  asCallLog,
  connectorFrom,
  errorMessage,
  successBody,
  type Answer,
} from './xassist-answers.js';
import type {
  CallLogSearch,
  CircuitState,
  RequestClaim,
  XAssistClient,
  XAssistReadOptions,
  XAssistReadiness,
} from './xassist-client.port.js';
import { LoginBackoff } from './login-backoff.js';
import { PacedXAssistBudget, type XAssistBudget } from './xassist-budget.js';
import { XAssistSender, type SendOptions } from './xassist-sender.js';
import { XAssistTransport } from './xassist-transport.js';
import {
  circuitStateOf,
  xassistPolicies,
  type XAssistPolicies,
  type XAssistRetryOptions,
} from './xassist-policies.js';
import {
  XAssistAuthError,
  XAssistUnavailableError,
  XAssistWrongCallError,
} from './xassist.errors.js';

export type { XAssistRetryOptions } from './xassist-policies.js';

/** A technician waits for each create, and every request waits for a login. */
const CREATE: RequestClaim = { priority: 'create' };
/**
 * The reconciler's listings: served after every poll, but once 10 s late before them, so that a
 * budget busy with polls never starves them for good.
 */
const LISTING: RequestClaim = { priority: 'background', slowestMs: 10_000 };
const BACKGROUND: RequestClaim = { priority: 'background' };

interface Session {
  token: string;
  connector: CallLogContact;
}

/** XAssistClient over an undici Pool, with cockatiel retry, timeout and circuit breaking. */
export class XAssistHttpClient implements XAssistClient {
  private readonly transport: XAssistTransport;
  private session?: Session;
  private loginInFlight?: Promise<Session>;
  private readonly policies: XAssistPolicies;
  private readonly loginBackoff: LoginBackoff;
  private readonly sender: XAssistSender;
  private readonly budget: XAssistBudget;
  private closing?: Promise<void>;

  /**
   * `budget`: the process's request budget (XAssistModule shares it through Redis); unset, one of
   * this client's own, in memory at config.maxRequestsPerSecond on the system clock.
   */
  constructor(
    private readonly config: XAssistConfig,
    private readonly logger: Logger,
    retryOptions: Partial<XAssistRetryOptions> = {},
    budget?: XAssistBudget,
  ) {
    this.transport = new XAssistTransport(config);
    this.policies = xassistPolicies(config, retryOptions);
    this.loginBackoff = new LoginBackoff(config.loginBackoff);
    this.budget = budget ?? ownBudget(config.maxRequestsPerSecond, logger);
    this.sender = new XAssistSender(this.transport, this.policies, this.budget, logger);
    this.policies.breaker.onStateChange(() =>
      this.logger.warn({ circuit: this.circuitState() }, 'xAssist circuit breaker changed state'),
    );
  }

  circuitState(): CircuitState {
    return circuitStateOf(this.policies.breaker);
  }

  readiness(): XAssistReadiness {
    const circuit = this.circuitState();
    const refusal = this.loginBackoff.reason();
    const login = refusal ? 'refused' : this.session ? 'ok' : 'not yet';
    const reason =
      refusal ??
      (circuit === 'open' ? 'too many xAssist operations failed; the circuit is open' : undefined);
    // A stretched budget is no reason to be unready: every call is still followed, less often.
    return {
      ready: reason === undefined,
      circuit,
      login,
      ...(reason ? { reason } : {}),
      budget: this.budget.state(),
    };
  }

  async start(): Promise<void> {
    try {
      await this.currentSession();
    } catch (error) {
      // A refusal was logged where it happened; an outage may pass: the first use logs in again.
      if (!(error instanceof XAssistAuthError)) {
        this.logger.warn(
          { error: (error as Error).message },
          'cannot log in to xAssist at start-up; will try again on first use',
        );
      }
    }
  }

  async connectorContact(): Promise<CallLogContact> {
    return { ...(await this.currentSession()).connector };
  }

  async createCall(request: CreateCallRequest): Promise<CallLog> {
    const log = await this.authorized(
      'POST',
      XASSIST_PATHS.createCall,
      request,
      this.policies.createRetry,
      { claim: CREATE },
    );
    return asCallLog(log);
  }

  async getCallLogById(callId: string, options: XAssistReadOptions = {}): Promise<CallLog> {
    const path = `${XASSIST_PATHS.getCallLogById}?callId=${encodeURIComponent(callId)}`;
    const { claim = BACKGROUND, ...perAttempt } = options;
    const log = asCallLog(
      await this.authorized('GET', path, undefined, this.policies.readRetry, {
        claim,
        ...perAttempt,
      }),
    );
    // Applying another call's events would ring or end the wrong call: a failed poll instead.
    if (log.callId !== callId) throw new XAssistWrongCallError(callId, log.callId);
    return log;
  }

  async getFilteredCallLogs(size: number): Promise<SpringPage<CallLog>> {
    return this.listingPage(
      `${XASSIST_PATHS.getFilteredCallLogsV2}?size=${encodeURIComponent(String(size))}`,
    );
  }

  private async listingPage(path: string): Promise<SpringPage<CallLog>> {
    const page = (await this.authorized('GET', path, undefined, this.policies.readRetry, {
      claim: LISTING,
    })) as SpringPage<unknown>;
    if (!Array.isArray(page?.content))
      throw new XAssistUnavailableError('xAssist answered a page without content[]', true);
    return { ...page, content: page.content.map(asCallLog) };
  }

  async searchCallLogs({ pageSize = 100, maxPages = 20 } = {}): Promise<CallLogSearch> {
    const logs: CallLog[] = [];
    for (let page = 0; page < maxPages; page++) {
      const query = new URLSearchParams({
        page: String(page),
        size: String(pageSize),
        sort: 'id,desc',
      });
      const answer = await this.listingPage(`${XASSIST_PATHS.getFilteredCallLogsV2}?${query}`);
      logs.push(...answer.content);
      const totalPages = Number(answer.totalPages ?? Math.ceil(answer.totalElements / pageSize));
      const last =
        answer.last === true ||
        answer.content.length < pageSize ||
        page + 1 >= totalPages ||
        logs.length >= answer.totalElements;
      if (last) return { logs, complete: true };
    }
    return { logs, complete: false };
  }

  /** Refuses what waits for the budget (never sent), then closes the connections; once. */
  close(): Promise<void> {
    this.budget.close();
    this.closing ??= this.transport.close();
    return this.closing;
  }

  /** Sends with the current token; on a 401 logs in once (shared by everyone) and repeats. */
  private async authorized(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    retryPolicy: IPolicy,
    options: SendOptions,
  ): Promise<unknown> {
    const session = await this.currentSession();
    let response = await this.sender.send(method, path, body, session.token, retryPolicy, options);
    if (response.status === 401) {
      const renewed = await this.renewSession(session.token);
      response = await this.sender.send(method, path, body, renewed.token, retryPolicy, options);
      if (response.status === 401)
        throw new XAssistAuthError(401, 'it refused a freshly issued token');
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

  /** Single flight: concurrent callers share one login request; none at all after a refusal. */
  private login(): Promise<Session> {
    if (!this.loginInFlight) {
      try {
        this.loginBackoff.assertMayLogIn();
      } catch (refusal) {
        return Promise.reject(refusal);
      }
    }
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
    const response = await this.sender.send(
      'POST',
      XASSIST_PATHS.login,
      credentials,
      undefined,
      this.policies.readRetry,
      { claim: CREATE },
    );
    if (response.status >= 400 && response.status < 500) throw this.refused(response);
    const login = successBody(response) as LoginResponse;
    if (typeof login?.token !== 'string' || login.token === '') {
      throw new XAssistUnavailableError('xAssist answered the login without a token', true);
    }
    this.session = { token: login.token, connector: connectorFrom(login, this.config.domain) };
    const refusals = this.loginBackoff.accepted();
    this.logger.info(
      { connectorUserId: this.session.connector.userId, ...(refusals ? { refusals } : {}) },
      refusals ? 'xAssist accepted the login again' : 'logged in to xAssist',
    );
    return this.session;
  }

  /** Remembers the refusal (no login before the pause is over) and says so loudly once. */
  private refused(response: Answer): XAssistAuthError {
    this.session = undefined; // a stale token would only meet 401s until the pause is over
    const { error, first } = this.loginBackoff.refused(
      response.status,
      errorMessage(response.body),
    );
    const details = { status: response.status, username: this.config.username };
    if (first) {
      this.logger.error(
        { ...details, error: error.message },
        'xAssist refused the login: check XASSIST_USERNAME, XASSIST_PASSWORD and XASSIST_DOMAIN; not ready until a login succeeds',
      );
    } else {
      this.logger.debug(
        { ...details, refusals: this.loginBackoff.refusals },
        'login refused again',
      );
    }
    return error;
  }
}

/** A budget of the client's own: this process alone, in memory, on the system clock. */
function ownBudget(perSecond: number, logger: Logger): XAssistBudget {
  const clock = new SystemClock();
  return new PacedXAssistBudget(perSecond, new MemoryRateLimiter(clock), clock, logger);
}
