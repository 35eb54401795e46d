import type { CallLog } from '../xassist-contract/xassist-contract.js';
import type { CallRecord } from './call.model.js';

/**
 * How far xAssist's clock may be from ours: a call it created for us may carry a time this much
 * before its creation started, or this much after the creation's deadline.
 */
export const CLOCK_SKEW_MS = 120_000;

/** What the broker asked xAssist to create, as far as a CallLog shows it. */
export interface CreationFingerprint {
  /** createCall's creatorUser: the technician's userDbId. */
  creatorUserDbId: number;
  /** The callTitle, compared exactly. */
  title: string;
  /** The invited contacts' userDbIds (the experts and the connector), as a set. */
  invitedUserDbIds: number[];
  /** Epoch ms: the xAssist call's creation time must fall in [since, until]. */
  since: number;
  until: number;
}

export type CreationMatch =
  { kind: 'one'; log: CallLog } | { kind: 'none' } | { kind: 'several'; xassistCallIds: string[] };

/**
 * When a call in `creating` began its creation: its last commit, the one that put it there (the
 * row's insert, or an accept of a queued request or a taken callback, which can come minutes or
 * hours after the request's createdAt). A commit while creating only moves it later: the deadline
 * is then waited out longer, never cut short.
 */
export function creationStartedAt(call: Pick<CallRecord, 'updatedAt'>): number {
  return Date.parse(call.updatedAt);
}

/** The fingerprint of a call stuck in `creating`, created by `connectorUserDbId`'s broker. */
export function fingerprintOf(
  call: Pick<CallRecord, 'title' | 'technician' | 'experts' | 'updatedAt'>,
  connectorUserDbId: number,
  creationTimeoutMs: number,
  skewMs = CLOCK_SKEW_MS,
): CreationFingerprint {
  const startedAt = creationStartedAt(call);
  return {
    creatorUserDbId: call.technician.xassistUserDbId,
    title: call.title,
    invitedUserDbIds: [...call.experts.map((expert) => expert.xassistUserDbId), connectorUserDbId],
    since: startedAt - skewMs,
    until: startedAt + creationTimeoutMs + skewMs,
  };
}

/**
 * When xAssist created the call: its `Created` event's time, else callStart; undefined when the
 * log carries neither (then the time window cannot rule it out).
 */
export function createdTimeOf(log: CallLog): number | undefined {
  const created = log.callEvents?.find((event) => event?.type === 'Created');
  for (const value of [created?.time, log.callStart]) {
    const ms =
      typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isFinite(ms)) return ms;
  }
  return undefined;
}

/** Whether one CallLog is the call the fingerprint describes (linked calls aside). */
export function isCandidate(fingerprint: CreationFingerprint, log: CallLog): boolean {
  if (Number(log.creatorContact?.userDbId) !== fingerprint.creatorUserDbId) return false;
  if (log.title !== fingerprint.title) return false;
  const invited = new Set((log.invitedContacts ?? []).map((contact) => Number(contact?.userDbId)));
  const wanted = new Set(fingerprint.invitedUserDbIds);
  if (invited.size !== wanted.size || [...wanted].some((id) => !invited.has(id))) return false;
  const createdAt = createdTimeOf(log);
  return (
    createdAt === undefined || (createdAt >= fingerprint.since && createdAt <= fingerprint.until)
  );
}

/**
 * The xAssist call a crashed creation made, if exactly one listed call fits: same creator, exact
 * title, the same set of invited contacts, created within the window, and not linked to another
 * broker call already (`linked`). A log listed twice (paging moved under us) counts once.
 */
export function matchCreatedCall(
  fingerprint: CreationFingerprint,
  logs: readonly CallLog[],
  linked: ReadonlySet<string>,
): CreationMatch {
  const found = new Map<string, CallLog>();
  for (const log of logs) {
    if (typeof log?.callId !== 'string' || linked.has(log.callId)) continue;
    if (isCandidate(fingerprint, log)) found.set(log.callId, log);
  }
  const matches = [...found.values()];
  if (matches.length === 1) return { kind: 'one', log: matches[0] };
  if (matches.length === 0) return { kind: 'none' };
  return { kind: 'several', xassistCallIds: matches.map((log) => log.callId) };
}
