import type { IPolicy } from 'cockatiel';
import type { Logger } from 'pino';
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
  AttemptGate,
  CallLogSearch,
  CircuitState,
  XAssistClient,
  XAssistReadOptions,
  XAssistReadiness,
} from './xassist-client.port.js';
import { LoginBackoff } from './login-backoff.js';
import { XAssistSender } from './xassist-sender.js';
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

  constructor(
    private readonly config: XAssistConfig,
    private readonly logger: Logger,
    retryOptions: Partial<XAssistRetryOptions> = {},
  ) {
    this.transport = new XAssistTransport(config);
    this.policies = xassistPolicies(config, retryOptions);
    this.loginBackoff = new LoginBackoff(config.loginBackoff);
    this.sender = new XAssistSender(this.transport, this.policies, logger);
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
    return { ready: reason === undefined, circuit, login, ...(reason ? { reason } : {}) };
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
    );
    return asCallLog(log);
  }

  async getCallLogById(callId: string, options: XAssistReadOptions = {}): Promise<CallLog> {
    const path = `${XASSIST_PATHS.getCallLogById}?callId=${encodeURIComponent(callId)}`;
    const log = asCallLog(
      await this.authorized('GET', path, undefined, this.policies.readRetry, options.attemptGate),
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
    const page = (await this.authorized(
      'GET',
      path,
      undefined,
      this.policies.readRetry,
    )) as SpringPage<unknown>;
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

  async close(): Promise<void> {
    await this.transport.close();
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
    let response = await this.sender.send(method, path, body, session.token, retryPolicy, gate);
    if (response.status === 401) {
      const renewed = await this.renewSession(session.token);
      response = await this.sender.send(method, path, body, renewed.token, retryPolicy, gate);
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
