import type { CallFact } from '../calls/call-facts.js';
import { OUTCOME_WORDS } from '../calls/call-summary.js';
import type { CallEventRecord, CallRecord } from '../calls/call.model.js';
import type { Person } from '../directory/person.js';
import type { Queue } from '../directory/queue.js';
import type { PageEvent, PagingRule } from '../notifications/channels-document.js';
import type { MentionedPerson } from '../notifications/notification.js';
import { CONSOLE_LINK } from './page-addressing.js';
import { callbackExpiresAtMs, callbackRefusal } from '../routing/callback-rules.js';
import { eligibleExperts, requestersOf } from '../routing/routing-rules.js';
import type { ExpertStanding } from '../routing/routing.model.js';

/**
 * A link a page carries: `accept`, one expert's one-click accept link (see accept-link.ts; only
 * on a channel that reaches that expert alone, page-addressing.ts); `console`, the request in the
 * dashboard, where the reader's own session decides who accepts; `external`, someone else's URL
 * (a fallback web meeting).
 */
export type PageLink =
  | { kind: 'accept'; expertId: string; label: string; expiresAtMs: number }
  | { kind: 'console'; label: string }
  | { kind: 'external'; label: string; url: string };

/** A page decided, before it is addressed: the outbox row's payload is made from it. */
export interface PageDraft {
  /** What was paged: a rule's event, or `fallback` (the fallback channel's own page). */
  event: PageEvent | 'fallback';
  channel: string;
  seq: number;
  title: string;
  lines: string[];
  mentions: MentionedPerson[];
  links: PageLink[];
}

/** What a fact of a committed change means for paging; undefined when nothing is paged for it. */
function pageEventOf(fact: CallFact): PageEvent | undefined {
  switch (fact.kind) {
    case 'queued':
      return 'queued';
    case 'escalated':
      return 'escalated';
    // Again after a failed call back, as `queued` is after a failed accept: it waits once more.
    case 'callback_pending':
      return 'callback';
    case 'ended':
      // A request to a closed queue was never waited on: nobody to tell (docs/routing.md).
      if (fact.status === 'closed') return undefined;
      return fact.status === 'unanswered' || fact.status === 'missed' ? fact.status : 'ended';
    // The outcome is known once the expert wrapped up: the summary again, with it (not on edits).
    case 'wrapped_up':
      return fact.first ? 'ended' : undefined;
    default:
      return undefined;
  }
}

/** The pages' opening words: where the request was asked, and whether it is urgent. */
const placeOf = (queue: Queue | undefined): string =>
  queue ? `Queue ${queue.name}` : 'Direct call';
const urgency = (call: { priority: string }): string =>
  call.priority === 'urgent' ? 'Urgent: ' : '';
const utcMinute = (ms: number): string =>
  `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const mention = (person: Person): MentionedPerson => ({
  id: person.id,
  displayName: person.displayName,
  channels: person.channels,
});

/**
 * Everyone the queue may offer this call to at `nowMs` whatever their presence: a chat page
 * reaches experts who are not looking at the dashboard, so skills and escalation steps decide,
 * not who is available right now.
 */
export function pageableExperts(
  queue: Queue,
  people: readonly Person[],
  call: CallRecord,
  nowMs: number,
): Person[] {
  const anyone: ExpertStanding = { status: 'available', busy: false, idleSinceMs: null };
  const standing = new Map(people.map((person) => [person.id, anyone]));
  const request = {
    callId: call.id,
    queuedAt: call.queuedAt ?? call.createdAt,
    requesters: requestersOf(call),
  };
  return eligibleExperts(queue, people, standing, request, [], nowMs);
}

export interface PagingContext {
  rules: readonly PagingRule[];
  people: readonly Person[];
  queue: (id: string) => Queue | undefined;
}

/**
 * The pages one committed change's facts call for, per matching rule (a rule's queue, or `*`): a queued
 * request and each escalation step page the queue's experts with one accept link each; calls that
 * end unanswered or missed page with the supervisors mentioned; `ended` is a summary.
 */
export function pagesOf(
  call: CallRecord,
  facts: readonly CallFact[],
  context: PagingContext,
): PageDraft[] {
  const queue = call.queueId === null ? undefined : context.queue(call.queueId);
  return facts.flatMap((fact) => {
    const kind = pageEventOf(fact);
    if (!kind) return [];
    const rules = context.rules.filter(
      (rule) => rule.on.includes(kind) && (rule.queue === '*' || rule.queue === call.queueId),
    );
    if (rules.length === 0) return [];
    const draft = draftOf(kind, call, fact.event, queue, context.people);
    return draft ? rules.map((rule) => ({ ...draft, channel: rule.channel })) : [];
  });
}

function draftOf(
  kind: PageEvent,
  call: CallRecord,
  event: CallEventRecord,
  queue: Queue | undefined,
  people: readonly Person[],
): Omit<PageDraft, 'channel'> | undefined {
  const where = placeOf(queue);
  const who = `Asked by ${call.technician.displayName}`;
  const base = { event: kind, seq: event.seq, links: [] as PageLink[] };
  if (kind === 'callback') return { ...base, ...callbackPageOf(call, queue, people) };
  if (kind === 'queued' || kind === 'escalated') {
    if (!queue) return undefined;
    const nowMs = Date.parse(event.at);
    const experts = pageableExperts(queue, people, call, nowMs);
    const expiresAtMs = Date.parse(call.queuedAt ?? call.createdAt) + queue.maxWaitSeconds * 1000;
    const step =
      kind === 'escalated' ? ` (still waiting, step ${call.escalationsDone.length})` : '';
    return {
      ...base,
      title: `${urgency(call)}Help wanted: ${call.title}${step}`,
      lines: [`${where}. ${who}.`, 'The first to accept takes the call.'],
      mentions: experts.map(mention),
      links: experts.map((expert) => ({
        kind: 'accept' as const,
        expertId: expert.id,
        label: `Accept as ${expert.displayName}`,
        expiresAtMs,
      })),
    };
  }
  if (kind === 'unanswered' || kind === 'missed') {
    const asked = requestersOf(call);
    const supervisors = people.filter(
      (person) => person.roles.includes('supervisor') && !asked.includes(person.id),
    );
    const why = kind === 'unanswered' ? 'nobody accepted it in time' : 'the expert did not join';
    return {
      ...base,
      title: `${kind === 'unanswered' ? 'Unanswered' : 'Missed'}: ${call.title}`,
      lines: [`${where}. ${who}. The call ended ${kind}: ${why}.`],
      mentions: supervisors.map(mention),
    };
  }
  const expert = call.experts.find((e) => e.id === (call.joinedExpertId ?? call.acceptedById));
  const minutes =
    call.connectedAt && call.endedAt
      ? Math.round((Date.parse(call.endedAt) - Date.parse(call.connectedAt)) / 60000)
      : null;
  const wrapUp = call.wrapUp;
  return {
    ...base,
    title: `${wrapUp ? 'Call wrapped up' : `Call ${call.status}`}: ${call.title}`,
    lines: [
      `${where}. ${who}.`,
      ...(expert ? [`Expert: ${expert.displayName}.`] : []),
      ...(minutes !== null ? [`Talked for about ${minutes} min.`] : []),
      ...(call.failureReason ? [`Reason: ${call.failureReason}.`] : []),
      ...(wrapUp
        ? [
            `Outcome: ${OUTCOME_WORDS[wrapUp.outcome]}${wrapUp.firstTimeFix ? ' (first-time fix)' : ''}.`,
          ]
        : []),
    ],
    mentions: [],
  };
}

/**
 * The `callback` page: the request waits for an expert to call back (docs/routing.md,
 * "Callbacks"), which they do from the console, so its link is the console's; it mentions those
 * who may take it (callbackRefusal) and says why it is a callback: a request that never queued
 * was made while the queue was closed.
 */
function callbackPageOf(
  call: CallRecord,
  queue: Queue | undefined,
  people: readonly Person[],
): Pick<PageDraft, 'title' | 'lines' | 'mentions' | 'links'> {
  const asked = requestersOf(call);
  const takers = queue
    ? people.filter((p) => !asked.includes(p.id) && callbackRefusal(p, queue) === null)
    : [];
  const why = call.queuedAt === null ? 'the queue was closed' : 'nobody took it in time';
  const until = queue
    ? `; it ends unanswered at ${utcMinute(callbackExpiresAtMs(queue, call))}`
    : '';
  return {
    title: `${urgency(call)}Callback waiting: ${call.title}`,
    lines: [
      `${placeOf(queue)}. Asked by ${call.technician.displayName}.`,
      `Asked at ${utcMinute(Date.parse(call.createdAt))}; ${why}.`,
      `An expert calls them back from the console${until}.`,
    ],
    mentions: takers.map(mention),
    links: [CONSOLE_LINK],
  };
}

/**
 * The `offered` page: one expert was offered a call and has no dashboard open, so the offer
 * reaches them in chat, naming them, with their accept link until the offer expires.
 */
export function offerPageOf(
  call: { title: string; priority: string; technician: { displayName: string } },
  queue: Queue | undefined,
  expert: Person,
  offer: { expiresAt: string },
  seq: number,
): Omit<PageDraft, 'channel'> {
  const where = placeOf(queue);
  const until = new Date(offer.expiresAt).toISOString().slice(11, 19);
  return {
    event: 'offered',
    seq,
    title: `${urgency(call)}Offered to you: ${call.title}`,
    lines: [
      `${where}. Asked by ${call.technician.displayName}.`,
      `${expert.displayName}, this request is offered to you until ${until} UTC; accept it below.`,
    ],
    mentions: [mention(expert)],
    links: [
      {
        kind: 'accept',
        expertId: expert.id,
        label: `Accept as ${expert.displayName}`,
        expiresAtMs: Date.parse(offer.expiresAt),
      },
    ],
  };
}

/**
 * The fallback page: xAssist was out of reach, so the call's experts get the web meeting made
 * for it (the technician hears of it on their socket). Undefined when the change offered none.
 */
export function fallbackPageOf(
  call: CallRecord,
  facts: readonly CallFact[],
  people: readonly Person[],
): Omit<PageDraft, 'channel'> | undefined {
  const offered = facts.find((fact) => fact.kind === 'fallback_offered');
  if (offered?.kind !== 'fallback_offered') return undefined;
  const meeting = offered.meeting;
  const until = new Date(meeting.expiresAt).toISOString().slice(11, 16);
  return {
    event: 'fallback',
    seq: offered.event.seq,
    title: `xAssist is down: meet ${call.technician.displayName} in a web meeting`,
    lines: [
      `${call.technician.displayName} asked for help with "${call.title}" and xAssist could not be reached.`,
      `Password: ${meeting.password}`,
      `The link works until ${until} UTC.`,
    ],
    mentions: call.experts
      .filter((expert) => !requestersOf(call).includes(expert.id))
      .map((expert) => {
        const person = people.find((candidate) => candidate.id === expert.id);
        return person ? mention(person) : { id: expert.id, displayName: expert.displayName };
      }),
    // A link, never a line: lines are people's text and can hold no live URL.
    links: [{ kind: 'external', label: 'Join', url: meeting.url }],
  };
}
