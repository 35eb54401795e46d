/**
 * The xAssist HTTP contract as far as it is known (../shared/spec/xassist-api.md).
 * Shared by the broker's client and the simulator; nothing else lives here.
 * Every object is open: unknown fields are kept and passed on.
 */

export type CallReason = 'STANDARD' | 'SERVICE_REQUEST';
export type CallType = 'MESH' | 'SFU';
export const CALL_REASONS: readonly CallReason[] = ['STANDARD', 'SERVICE_REQUEST'];
export const CALL_TYPES: readonly CallType[] = ['MESH', 'SFU'];

export interface LoginRequest {
  username: string;
  password: string;
  domain: string;
  agreedToTos: boolean;
}

export interface LoginResponse {
  token: string;
  refreshToken?: string;
  refreshTokenValidUntil?: number;
  userId: string;
  displayName?: string;
  domainTag?: string;
  permissions?: string[];
  user?: Record<string, unknown>;
  [unknownField: string]: unknown;
}

export interface CallLogContact {
  displayName: string;
  domain: string;
  email: string;
  phoneNumber: string;
  userDbId: number;
  userId: string;
  id?: number;
  inviteId?: number | string;
  locale?: string;
  [unknownField: string]: unknown;
}

export interface CreateCallRequest {
  callTitle: string;
  callReason: CallReason;
  callType: CallType;
  invitedContacts: CallLogContact[];
  invitedTeams: unknown[];
  joinAnonymousAllowed: boolean;
  informOthersDirectly: boolean;
  creatorUser: number;
  plannedDateTime: string | null;
}

/** `type` is Created, Join, Leave "among others": any string is kept. */
export interface CallEvent {
  id: number;
  type: string;
  contact?: Partial<CallLogContact> | null;
  time?: string | number | null;
  comment?: string | null;
  asset?: unknown;
  assetUri?: string | null;
  locale?: string | null;
  [unknownField: string]: unknown;
}

export interface CallLog {
  id: number;
  callId: string;
  /** xAssist spells it both ways; read it through anonymousJoinAllowed(). */
  anonymousJoinAllow?: boolean;
  anonymousJoinAllowed?: boolean;
  /** Planned | Started | Ended, others possible. */
  callStatus: string;
  callType?: string;
  callReason?: string;
  title?: string;
  callStart?: string | number | null;
  callEnd?: string | number | null;
  creatorContact?: Partial<CallLogContact> | null;
  invitedContacts?: Partial<CallLogContact>[];
  callEvents: CallEvent[];
  [unknownField: string]: unknown;
}

export interface SpringPage<T> {
  content: T[];
  totalElements: number;
  number: number;
  size: number;
  [unknownField: string]: unknown;
}

export function anonymousJoinAllowed(log: CallLog): boolean {
  return Boolean(log.anonymousJoinAllowed ?? log.anonymousJoinAllow ?? false);
}

/** Paths below the base URL (which already ends with `<domainTag>/`). */
export const XASSIST_PATHS = {
  login: 'login',
  createCall: 'rtc/createCall',
  getCallLogById: 'rtc/getCallLogById',
  getFilteredCallLogsV2: 'rtc/getFilteredCallLogsV2',
} as const;
