import { ConflictError, ForbiddenError } from '../common/broker-error.js';
import { hasRole } from '../directory/directory.service.js';
import type { Person, PersonRef } from '../directory/person.js';
import type { CallRecord } from './call.model.js';

/** What came of a call, as its expert says after it (issue 23). */
export const WRAP_UP_OUTCOMES = ['resolved', 'follow_up', 'escalated', 'not_resolved'] as const;
export type WrapUpOutcome = (typeof WRAP_UP_OUTCOMES)[number];

/** The bounds of a wrap-up and a rating; docs/api.md and the OpenAPI document say the same. */
export const WRAP_UP_LIMITS = {
  notesMaxLength: 4000,
  linksMaxCount: 10,
  linkMaxLength: 2000,
  commentMaxLength: 1000,
  /** Without `wrapUpEditHours` in the queue (and for calls that named their experts). */
  defaultEditHours: 24,
} as const;

/** Only a call that ended after someone talked has an outcome to record. */
export const WRAPPABLE_STATUS = 'ended';

/** What the expert records; the call row keeps the latest version, the log every edit. */
export interface WrapUp {
  outcome: WrapUpOutcome;
  firstTimeFix: boolean;
  notes: string;
  links: string[];
  /** Who wrote the latest version: the call's expert or a supervisor. */
  by: PersonRef;
  /** The first submission. */
  submittedAt: string;
  /** The latest edit (the first submission's time until edited). */
  updatedAt: string;
  /** 1 for the first submission, one more for each edit. */
  revision: number;
}

/** What the technician says of the call. */
export interface Rating {
  rating: number;
  comment: string | null;
  at: string;
}

export type WrapUpInput = Pick<WrapUp, 'outcome' | 'firstTimeFix' | 'notes' | 'links'>;
export type RatingInput = Pick<Rating, 'rating' | 'comment'>;

/** The expert who took the call: the one who joined, else the one who accepted it. */
export function expertOf(call: Pick<CallRecord, 'joinedExpertId' | 'acceptedById'>) {
  return call.joinedExpertId ?? call.acceptedById;
}

/**
 * What a link may not hold, though new URL() would forgive it: white space and control or
 * bidirectional-formatting characters (a link that reads as something else), and brackets or
 * parentheses that Markdown in a work order system would take as a link of its own.
 */
const UNSAFE_IN_LINK = /[\s\p{Cc}\p{Cf}()[\]<>"`]/u;

/**
 * `url` as the URL standard writes it when it is an absolute http(s) URL without credentials
 * and without UNSAFE_IN_LINK characters, else undefined. Links point at photos, reports, the DMS;
 * they go on to work order systems as stored, so they are stored in their one standard form.
 */
export function webLinkOf(url: string): string | undefined {
  if (UNSAFE_IN_LINK.test(url)) return undefined;
  try {
    const parsed = new URL(url);
    const web = parsed.protocol === 'http:' || parsed.protocol === 'https:';
    if (!web || parsed.host === '' || parsed.username !== '' || parsed.password !== '')
      return undefined;
    return parsed.href;
  } catch {
    return undefined;
  }
}

export function isWebLink(url: string): boolean {
  return webLinkOf(url) !== undefined;
}

/** Until when the call's wrap-up and rating may be changed. */
export function editableUntil(endedAt: string, editHours: number): string {
  return new Date(Date.parse(endedAt) + editHours * 3_600_000).toISOString();
}

/** 409 unless the call ended and its edit window is still open at `at`. */
export function assertEditable(
  call: Pick<CallRecord, 'id' | 'status' | 'endedAt'>,
  editHours: number,
  at: string,
  what: 'wrap-up' | 'rating',
): void {
  if (call.status !== WRAPPABLE_STATUS || call.endedAt === null)
    throw new ConflictError(
      `call ${call.id} is ${call.status}: only a call that ended (status ended) takes a ${what}`,
    );
  const until = editableUntil(call.endedAt, editHours);
  if (Date.parse(at) >= Date.parse(until))
    throw new ConflictError(
      `the ${what} of call ${call.id} is frozen: it could be changed until ${until} (${editHours} h after the call ended)`,
    );
}

/**
 * The call's expert or a supervisor may record the wrap-up; 403 for anyone else. Before anyone
 * joined or accepted, each invited expert counts as the call's (they then hear 409, not ended).
 */
export function assertMayWrapUp(person: Person, call: CallRecord): void {
  if (hasRole(person, 'supervisor')) return;
  const expertId = expertOf(call);
  const theirs =
    expertId === null
      ? call.experts.some((expert) => expert.id === person.id)
      : expertId === person.id;
  if (hasRole(person, 'expert') && theirs) return;
  throw new ForbiddenError(
    `only the call's expert or a supervisor may record the wrap-up of call ${call.id}`,
  );
}

/** Only the call's own technician rates it; 403 for anyone else. */
export function assertMayRate(person: Person, call: CallRecord): void {
  if (hasRole(person, 'technician') && call.technician.id === person.id) return;
  throw new ForbiddenError(`only the call's technician may rate call ${call.id}`);
}

/** The wrap-up after `input` is recorded by `by` at `at`: the first version or the next edit. */
export function nextWrapUp(
  previous: WrapUp | null,
  input: WrapUpInput,
  by: PersonRef,
  at: string,
): WrapUp {
  return {
    outcome: input.outcome,
    firstTimeFix: input.firstTimeFix,
    notes: input.notes,
    links: [...input.links],
    by: { id: by.id, displayName: by.displayName },
    submittedAt: previous?.submittedAt ?? at,
    updatedAt: at,
    revision: (previous?.revision ?? 0) + 1,
  };
}
