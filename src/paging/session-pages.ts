import { DateTime } from 'luxon';
import type { AppointmentRecord } from '../appointments/appointment.model.js';
import type { Person } from '../directory/person.js';
import type { PageEvent, PagingRule } from '../notifications/channels-document.js';
import type { MentionedPerson } from '../notifications/notification.js';
import type { OutboxMessage } from '../outbox/outbox.model.js';
import type { PagePayload } from './paging.service.js';

/** What happened to a booked session, as paging reads it. */
export type SessionChange =
  | { kind: 'booked'; appointment: AppointmentRecord }
  | { kind: 'moved'; appointment: AppointmentRecord; before: AppointmentRecord }
  | { kind: 'cancelled'; appointment: AppointmentRecord };

export interface SessionPageContext {
  rules: readonly PagingRule[];
  person: (id: string) => Person | undefined;
  /** PUBLIC_URL is set: pages link the expert's dashboard. */
  linked: boolean;
  nowMs: number;
}

/** One page row to write, and when it falls due if not now (a reminder). */
export interface SessionPage {
  message: OutboxMessage;
  dueAt?: string;
}

/** The outbox's event type of a session's reminder pages (superseded by a move or a cancel). */
export const REMINDER_PAGE = 'page.reminder';

/**
 * The rules that page a session on `event`: those of the queue it was booked through, and `*`
 * rules (any session: the only ones for a session booked with a named expert, which has no
 * queue). With each rule its index in the file: a page row's id names it, so one session's
 * page for one rule at one sequence is one row, whoever writes it.
 */
export function sessionRules(
  rules: readonly PagingRule[],
  appointment: AppointmentRecord,
  event: PageEvent,
): { rule: PagingRule; index: number }[] {
  return rules.flatMap((rule, index) =>
    rule.on.includes(event) && (rule.queue === '*' || rule.queue === appointment.queueId)
      ? [{ rule, index }]
      : [],
  );
}

/** "Tue 8 Dec 2026, 09:00 Europe/Berlin (UTC+01:00)": the start as its people read it. */
export function localStart(startsAt: string, timeZone: string): string {
  const local = DateTime.fromISO(startsAt, { zone: timeZone });
  return `${local.toFormat('ccc d LLL yyyy, HH:mm')} ${timeZone} (UTC${local.toFormat('ZZ')})`;
}

const mentionOf = (id: string, person: Person | undefined): MentionedPerson =>
  person
    ? { id: person.id, displayName: person.displayName, channels: person.channels }
    : { id, displayName: id };

function payloadOf(
  title: string,
  lines: string[],
  appointment: AppointmentRecord,
  context: SessionPageContext,
): string {
  const payload: PagePayload = {
    title,
    lines,
    mentions: [mentionOf(appointment.expertId, context.person(appointment.expertId))],
    // The session's call in the dashboard (its timeline: planned, the start, who), as a queue
    // page links its request; the upcoming-sessions panel beside it has Join and the calendar.
    links: context.linked
      ? [{ label: 'Open the session', path: `/#call=${encodeURIComponent(appointment.callId)}` }]
      : [],
  };
  return JSON.stringify(payload);
}

function rowOf(
  appointment: AppointmentRecord,
  event: PageEvent,
  channel: string,
  index: number,
  payload: string,
): OutboxMessage {
  return {
    // Deterministic: one row per session, sequence and rule (a second write fails the change).
    id: `page_${appointment.id}.${appointment.sequence}.${event.slice(0, 1)}${index}`,
    destinationKind: 'chat',
    destinationId: channel,
    ownerId: null,
    // The session's pages keep their order per channel under the session's id (not its call's).
    callId: appointment.id,
    seq: appointment.sequence,
    position: event === 'reminder' ? 1 : 0,
    eventType: `page.${event}`,
    payload,
  };
}

/**
 * The pages one change of a booked session calls for, to its expert: `booked` (a move pages the
 * `booked` rules again, worded as a move), `cancelled`, and per `reminder` rule one row due
 * `reminderMinutes` before the start, which expires at the start (a reminder due while the broker
 * was down goes out once it is back only if the session has not started). A reminder whose time
 * has already come when the session is booked or moved is not written: the booked page says when.
 */
export function sessionPages(change: SessionChange, context: SessionPageContext): SessionPage[] {
  const { appointment } = change;
  const technician =
    context.person(appointment.technicianId)?.displayName ?? appointment.technicianId;
  const when = localStart(appointment.startsAt, appointment.timeZone);
  const minutes = `${appointment.durationMinutes} min`;
  const page = (event: PageEvent, title: string, lines: string[]): SessionPage[] =>
    sessionRules(context.rules, appointment, event).map(({ rule, index }) => ({
      message: rowOf(
        appointment,
        event,
        rule.channel,
        index,
        payloadOf(title, lines, appointment, context),
      ),
    }));
  if (change.kind === 'cancelled')
    return page('cancelled', `Session cancelled: ${appointment.title}`, [
      `The session with ${technician} on ${when} is cancelled.`,
    ]);
  const pages =
    change.kind === 'booked'
      ? page('booked', `Session booked: ${appointment.title}`, [
          `${technician} booked you for ${when}, ${minutes}.`,
        ])
      : page('booked', `Session moved: ${appointment.title}`, [
          `The session with ${technician} moved to ${when}, ${minutes}.`,
          `It was on ${localStart(change.before.startsAt, change.before.timeZone)}.`,
        ]);
  const startsAtMs = Date.parse(appointment.startsAt);
  for (const { rule, index } of sessionRules(context.rules, appointment, 'reminder')) {
    const dueAtMs = startsAtMs - rule.reminderMinutes! * 60_000;
    if (dueAtMs <= context.nowMs) continue;
    const payload = payloadOf(
      `In ${rule.reminderMinutes} min: ${appointment.title}`,
      [`Your session with ${technician} starts ${when}, ${minutes}.`],
      appointment,
      context,
    );
    const dueAt = new Date(dueAtMs).toISOString();
    pages.push({
      message: {
        ...rowOf(appointment, 'reminder', rule.channel, index, payload),
        dueAt,
        expiresAt: appointment.startsAt,
      },
      dueAt,
    });
  }
  return pages;
}
