import type {
  CallLog,
  CallLogContact,
  LoginResponse,
} from '../xassist-contract/xassist-contract.js';
import { XAssistRejectedError, XAssistUnavailableError } from './xassist.errors.js';

/** What came back over HTTP, before it is read as JSON. */
export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

/** An answer read as JSON. */
export interface Answer {
  status: number;
  body: unknown;
}

/** JSON where JSON was due, or XAssistUnavailableError: an HTML page or garbage means xAssist is not itself. */
export function decode(response: RawResponse, operation: string): Answer {
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

export function successBody(answer: Answer): unknown {
  if (answer.status >= 400)
    throw new XAssistRejectedError(answer.status, errorMessage(answer.body));
  return answer.body;
}

export function errorMessage(body: unknown): string {
  if (body && typeof body === 'object') {
    const { message, error } = body as { message?: unknown; error?: unknown };
    if (typeof message === 'string' && message) return message.slice(0, 500);
    if (typeof error === 'string' && error) return error.slice(0, 500);
  }
  return 'no message';
}

export function asCallLog(value: unknown): CallLog {
  const log = value as CallLog;
  if (!log || typeof log !== 'object' || typeof log.callId !== 'string') {
    throw new XAssistUnavailableError('xAssist answered something that is not a CallLog', true);
  }
  return { ...log, callEvents: Array.isArray(log.callEvents) ? log.callEvents : [] };
}

/** The connector's own contact, from whatever the login response carries. */
export function connectorFrom(login: LoginResponse, domain: string): CallLogContact {
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
