// How the dashboard words things: statuses, events and durations, for people.
import { queueName } from './state.js';

/** Statuses in which a call may still change (the socket snapshot carries only these). */
export const ACTIVE = new Set([
  'creating',
  'queued',
  'callback_pending',
  'ringing',
  'expert_joined',
  'connected',
]);

const STATUS_LABELS = {
  creating: 'Creating',
  queued: 'Queued',
  callback_pending: 'Callback',
  ringing: 'Ringing',
  expert_joined: 'Expert joined',
  connected: 'Connected',
  ended: 'Ended',
  failed: 'Failed',
  unanswered: 'Unanswered',
  missed: 'Missed',
  cancelled: 'Cancelled',
  closed: 'Closed',
};

/** `some_thing` or `SomeThing` as "Some thing". */
function humanize(name) {
  const words = String(name)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replaceAll('_', ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const statusLabel = (status) => STATUS_LABELS[status] ?? humanize(status);

const EVENT_LABELS = {
  'status.creating': 'Request received',
  'status.queued': 'Waiting in the queue',
  'status.callback_pending': 'Nobody took it in time: waiting for a callback',
  'status.ringing': 'Ringing the expert',
  'status.expert_joined': 'Expert joined',
  'status.connected': 'Technician joined: connected',
  'status.ended': 'Call ended',
  'status.failed': 'Call failed',
  'status.unanswered': 'Nobody answered',
  'status.missed': 'Technician missed the call',
  'status.cancelled': 'Cancelled',
  'status.closed': 'Queue closed: outside its business hours',
  'xassist.Created': 'Created on xAssist',
  'xassist.Planned': 'Planned on xAssist',
  'xassist.Started': 'Started on xAssist',
  'xassist.Join': 'Joined',
  'xassist.Leave': 'Left',
  'xassist.Ended': 'Ended on xAssist',
  'xassist.Chat': 'Chat message',
  'routing.escalated': 'Escalated',
  'routing.accept_failed': 'xAssist failed at accept: back in the queue',
  'routing.taken_by_demo_expert': 'Taken by the demo expert',
  'wrap_up.submitted': 'Wrap-up recorded',
  'wrap_up.edited': 'Wrap-up edited',
  'rating.given': 'Rated by the technician',
  'rating.edited': 'Rating changed',
};

/** "Expert joined", "Joined (Erika Expert)": never the internal `status.expert_joined`. */
export function eventLabel(event) {
  const [kind, ...rest] = event.type.split('.');
  const name = rest.join('.');
  let label = EVENT_LABELS[event.type];
  if (!label) label = kind === 'xassist' ? `xAssist: ${humanize(name)}` : humanize(name || kind);
  const who = event.xassist?.contact?.displayName ?? event.xassist?.contact?.userId;
  return who ? `${label} (${who})` : label;
}

/** 42s, 3m 05s, 1h 02m. */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const ms = (iso) => (iso ? Date.parse(iso) : NaN);

/** "6 Dec 2026, 14:05" in the browser's language: a call from last week is not just "14:05". */
export const dateTimeText = (iso) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * Seconds left to answer an offer, by the server's `expiresAt` and the browser's clock. Never more
 * than the offer's whole time (`expiresAt - offeredAt`): a browser clock running behind shows at
 * most that, not minutes; within it, the countdown is only as right as the browser's clock.
 */
export function secondsLeft(offer, now = Date.now()) {
  const whole = (ms(offer.expiresAt) - ms(offer.offeredAt)) / 1000;
  return Math.max(0, Math.min(whole, (ms(offer.expiresAt) - now) / 1000));
}

/**
 * The countdown of an offer: rounded up, so an offer that can still be accepted never reads "0s",
 * and in seconds alone up to a minute, so a 60 s offer starts at "60s", not "1m 00s" then "59s".
 */
export function offerLeftText(offer, now = Date.now()) {
  const left = Math.ceil(secondsLeft(offer, now));
  return left <= 60 ? `${left}s` : duration(left);
}
const between = (from, to) => (ms(to) - ms(from)) / 1000;

/** When the technician started waiting: queued, else a booked session's start, else asked. */
export const waitingSince = (call) => call.queuedAt ?? call.plannedFor ?? call.createdAt;

/** An expert picked up: joined on xAssist (or, routed, accepted). */
const answeredAt = (call) => call.expertJoinedAt ?? call.connectedAt;

/**
 * The wait column: live while nobody has answered; then the time to answer; for a call that
 * ended unanswered, how long the technician waited. `live` says whether it still ticks.
 */
export function waitText(call, now = Date.now()) {
  // A booked session's call waits for its start, not for an expert: it says when that is.
  if (call.plannedFor && !call.ringingAt)
    return { text: call.status === 'planned' ? `starts ${dateTimeText(call.plannedFor)}` : '–' };
  const answered = answeredAt(call);
  const asked = call.plannedFor ?? call.createdAt;
  if (answered) return { text: `answered in ${duration(between(asked, answered))}` };
  if (call.endedAt)
    return { text: `waited ${duration(between(waitingSince(call), call.endedAt))}` };
  return { text: duration((now - ms(waitingSince(call))) / 1000), live: true };
}

/** The call's length: from connected until ended (live while connected); "–" if never. */
export function durationText(call, now = Date.now()) {
  if (!call.connectedAt) return { text: '–' };
  if (call.endedAt) return { text: duration(between(call.connectedAt, call.endedAt)) };
  return { text: duration((now - ms(call.connectedAt)) / 1000), live: true };
}

export function queueText(call) {
  if (!call.queue) return '';
  const parts = [queueName(call.queue.id)];
  if (call.status === 'queued' && call.queue.position) parts.push(`#${call.queue.position}`);
  if (call.status === 'queued' && call.queue.estimatedWaitSeconds != null)
    parts.push(`~${duration(call.queue.estimatedWaitSeconds)}`);
  // The estimate is null then: say why rather than nothing (the whole story is queue.statusLine).
  if (call.status === 'queued' && call.queue.nobodyCanTake) parts.push('· nobody can take it now');
  return parts.join(' ');
}

export function expertsText(call) {
  if (call.acceptedBy && !call.experts.some((e) => e.id === call.acceptedBy.id))
    return call.acceptedBy.displayName;
  return call.experts
    .map((e) => (e.id === call.joinedExpertId ? `${e.displayName} ✓` : e.displayName))
    .join(', ');
}
