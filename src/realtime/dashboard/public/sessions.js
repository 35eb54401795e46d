// The expert's upcoming booked sessions (GET /v1/appointments from now on, soonest first): title,
// technician, the start in the session's time zone and in the viewer's, the duration, and a Join
// button from JOIN_OPENS_MINUTES before the start until the session ends, and "Add to calendar"
// (session-calendar.js).
//
// Kept cheap: the list is fetched again when one of its sessions' calls changes on the socket
// (a cancel or a move cancels that call; the start rings it), when a new planned call of hers
// appears, when the page regains focus, and once every few minutes in case a message was missed.
// Between fetches a tick only re-evaluates the Join buttons against the clock.
import { calendarButton } from './session-calendar.js';
import { $, announce, api, el, state } from './state.js';

/** Join opens this many minutes before the start (docs/realtime.md), and stays open until the end. */
export const JOIN_OPENS_MINUTES = 5;
const POLL_MS = 5 * 60_000;
const TICK_MS = 10_000;
const MINUTE = 60_000;

/** The booked sessions shown, soonest first (Appointment of docs/api.md). */
let sessions = [];
let loaded = false;
let loading = null;
let loadAgain = false;
let open = () => undefined;
/** Each session call's web-client link (or null), asked once it is joinable: a click opens it at once. */
const joinUrls = new Map();

const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "Tue 8 Dec, 09:05" in the browser's language, 24-hour, in `timeZone` (the viewer's if unset). */
function when(iso, timeZone) {
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(iso));
}

const opensAt = (session) => Date.parse(session.startsAt) - JOIN_OPENS_MINUTES * MINUTE;

/** Pure: closed before `opensAt`, open until the end, over after it. */
export function joinState(session, now = Date.now()) {
  if (now >= Date.parse(session.endsAt)) return 'over';
  return now >= opensAt(session) ? 'open' : 'closed';
}

function minutesText(minutes) {
  if (minutes < 60) return `${minutes} min`;
  const rest = minutes % 60;
  return rest ? `${Math.floor(minutes / 60)} h ${rest} min` : `${minutes / 60} h`;
}

function sessionItem(session) {
  const zone = viewerZone();
  const sameZone = zone === session.timeZone;
  const join = el('button', { type: 'button', className: 'join' }, 'Join');
  join.addEventListener('click', () => joinSession(session));
  return el(
    'li',
    { className: 'session', dataset: { appointmentId: session.id, callId: session.callId } },
    el('strong', { className: 'session-title' }, session.title),
    el(
      'p',
      { className: 'session-facts' },
      el('span', { className: 'technician' }, session.technician.displayName),
      el('span', { className: 'session-duration' }, minutesText(session.durationMinutes)),
    ),
    el(
      'p',
      { className: 'session-when' },
      el(
        'time',
        { className: 'session-local', dateTime: session.localStartsAt },
        `${when(session.startsAt, session.timeZone)} ${session.timeZone}`,
      ),
      el(
        'span',
        { className: 'session-yours' },
        sameZone ? 'your time too' : `your time ${when(session.startsAt)} ${zone}`,
      ),
    ),
    el(
      'div',
      { className: 'session-actions' },
      join,
      calendarButton(session),
      el('span', { className: 'session-hint muted' }, ''),
    ),
  );
}

/** Join: the web client's link where the broker has one (a new tab), and the call's timeline. */
function joinSession(session) {
  const url = joinUrls.get(session.callId);
  if (url) window.open(url, '_blank', 'noopener');
  open(session.callId);
  announce(`Joining ${session.title}: xAssist rings your Frontline client at the start`);
}

function askJoinUrl(callId) {
  if (joinUrls.has(callId)) return;
  joinUrls.set(callId, null);
  api('GET', `/v1/calls/${encodeURIComponent(callId)}/join`)
    .then((answer) => {
      joinUrls.set(callId, answer.joinUrl);
      if (answer.joinUrl) tick();
    })
    .catch(() => joinUrls.delete(callId));
}

/** While Join is open: what happens at the start, and the web client's link once known. */
function joinHint(hint, session) {
  const url = joinUrls.get(session.callId) ?? '';
  // Rewritten only when it changes: the tick must not pull the link from under a screen reader.
  if (hint.dataset.shown === `open ${url}`) return;
  hint.dataset.shown = `open ${url}`;
  hint.replaceChildren(
    'xAssist rings your Frontline client at the start: accept it there.',
    ...(url
      ? [
          ' ',
          el(
            'a',
            { href: url, target: '_blank', rel: 'noopener', className: 'join-link' },
            'Frontline web client',
          ),
        ]
      : []),
  );
}

const itemOf = (id) => $('sessions').querySelector(`li[data-appointment-id="${CSS.escape(id)}"]`);

/** Each Join button against the clock: enabled while open, else saying when it opens. */
function tick() {
  const now = Date.now();
  let over = false;
  for (const session of sessions) {
    const item = itemOf(session.id);
    if (!item) continue;
    const button = item.querySelector('.join');
    const hint = item.querySelector('.session-hint');
    const joinable = joinState(session, now);
    if (joinable === 'over') over = true;
    button.disabled = joinable !== 'open';
    if (joinable === 'open') {
      askJoinUrl(session.callId);
      button.textContent = 'Join';
      button.setAttribute(
        'aria-label',
        `Join ${session.title} with ${session.technician.displayName}`,
      );
      joinHint(hint, session);
    } else if (joinable === 'over') {
      button.textContent = 'Ended';
      button.setAttribute('aria-label', `${session.title} has ended`);
      hint.textContent = hint.dataset.shown = '';
    } else {
      const opens = when(new Date(opensAt(session)).toISOString());
      button.textContent = `Join from ${opens}`;
      button.setAttribute('aria-label', `Join ${session.title}: opens ${opens}`);
      hint.textContent = hint.dataset.shown = '';
    }
  }
  // A session that ended leaves the list with the next fetch.
  if (over) void refreshSessions();
}

function announceChanges(before, after) {
  const was = new Map(before.map((session) => [session.id, session]));
  const now = new Set(after.map((session) => session.id));
  for (const session of before)
    if (!now.has(session.id)) announce(`${session.title} left your upcoming sessions`);
  for (const session of after) {
    const old = was.get(session.id);
    if (!old) announce(`New session: ${session.title} at ${when(session.startsAt)}`);
    else if (old.startsAt !== session.startsAt)
      announce(`${session.title} moved to ${when(session.startsAt)}`);
  }
}

function show(found) {
  const next = found
    .filter((session) => session.status === 'booked')
    .sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  if (loaded) announceChanges(sessions, next);
  sessions = next;
  loaded = true;
  // A few items: redrawn whole, the focus kept on the button it was on.
  const active = document.activeElement;
  const focused = active?.closest?.('#sessions li')?.dataset.appointmentId;
  const control = active?.classList?.contains('add-calendar') ? '.add-calendar' : '.join';
  $('sessions').replaceChildren(...sessions.map(sessionItem));
  $('sessions-empty').hidden = sessions.length > 0;
  tick();
  if (focused) itemOf(focused)?.querySelector(control)?.focus();
}

/** Fetches the list again; calls meanwhile make one more fetch, not one each. */
export function refreshSessions() {
  if (loading) {
    loadAgain = true;
    return loading;
  }
  loading = (async () => {
    try {
      do {
        loadAgain = false;
        const from = encodeURIComponent(new Date().toISOString());
        // Only the viewer's own: a supervisor who is also an expert would get everyone's.
        const mine = encodeURIComponent(state.session.person.id);
        const { appointments } = await api(
          'GET',
          `/v1/appointments?from=${from}&expertId=${mine}&limit=100`,
        );
        show(appointments);
        $('sessions-error').textContent = '';
      } while (loadAgain);
    } catch (error) {
      $('sessions-error').textContent = `Could not load your sessions: ${error.message}`;
    } finally {
      loading = null;
    }
  })();
  return loading;
}

/** `call.updated`: a listed session's call changed, or a session was booked or moved to her. */
export function onCall(call) {
  if (!loaded) return;
  if (call.status === 'planned' || sessions.some((session) => session.callId === call.id))
    void refreshSessions();
}

/** For an expert: the panel, its tick and poll, and a fetch whenever the page is looked at again. */
export function initSessions(options) {
  open = options.open;
  $('sessions-panel').hidden = false;
  setInterval(tick, TICK_MS);
  setInterval(() => void refreshSessions(), POLL_MS);
  window.addEventListener('focus', () => void refreshSessions());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void refreshSessions();
  });
  return refreshSessions();
}
