// The calls table: one row per call, newest first. Updates touch one row, never the whole
// table (it stays fast with thousands of rows); a once-a-second tick rewrites only the live
// timers. Rows are one Tab stop (roving tabindex): arrows move, Enter or Space opens.
import { $, api, announce, el, isExpert, state } from './state.js';
import {
  ACTIVE,
  dateTimeText,
  durationText,
  expertsText,
  queueText,
  statusLabel,
  waitText,
} from './format.js';

const handlers = { open: () => undefined };
/** Ids of calls whose row has a timer that still ticks. */
const ticking = new Set();
/** The row that is the table's one Tab stop. */
let focusId = null;

/** Each shown call's row, so one update or tick finds its row without searching the table. */
const rows = new Map();

const body = () => $('calls').tBodies[0];
const rowOf = (callId) => rows.get(callId);
const newestFirst = (a, b) => b.createdAt.localeCompare(a.createdAt);

export function statusBadge(status) {
  return el('span', { className: `status s-${status}` }, statusLabel(status));
}

function callBackButton(call) {
  const button = el('button', { type: 'button', className: 'secondary call-back' }, 'Call back');
  button.setAttribute('aria-label', `Call back ${call.technician.displayName}`);
  button.addEventListener('click', async (event) => {
    event.stopPropagation();
    button.disabled = true;
    try {
      const created = await api('POST', '/v1/calls', {
        technicianId: call.technician.id,
        expertIds: [state.session.person.id],
        title: call.title.startsWith('Call back: ') ? call.title : `Call back: ${call.title}`,
      });
      showCall(created);
      announce(`Calling back ${call.technician.displayName}`);
      handlers.open(created.id);
    } catch (error) {
      button.disabled = false;
      announce(`Calling back failed: ${error.message}`);
      button.title = error.message;
    }
  });
  return button;
}

/** When the call was asked for, with its date: the history reaches back past today. */
export const whenAsked = (call) =>
  el('time', { dateTime: call.createdAt }, dateTimeText(call.createdAt));

function rowFor(call) {
  const wait = waitText(call);
  const length = durationText(call);
  if (wait.live || length.live) ticking.add(call.id);
  else ticking.delete(call.id);
  const row = el('tr', {
    tabIndex: call.id === focusId ? 0 : -1,
    dataset: { callId: call.id, status: call.status },
  });
  if (call.id === state.selectedId) row.setAttribute('aria-current', 'true');
  rows.set(call.id, row);
  const title = el('td', { className: 'title' }, call.title);
  if (call.priority === 'urgent') title.prepend(el('span', { className: 'urgent' }, 'urgent'), ' ');
  row.append(
    el('td', {}, statusBadge(call.status)),
    title,
    el('td', { className: 'technician' }, call.technician.displayName),
    el('td', { className: 'experts' }, expertsText(call)),
    el(
      'td',
      { className: 'queue', ...(call.queue?.statusLine ? { title: call.queue.statusLine } : {}) },
      queueText(call),
    ),
    el('td', { className: 'when' }, whenAsked(call)),
    el('td', { className: 'waiting' }, wait.text),
    el('td', { className: 'duration' }, length.text),
    el(
      'td',
      { className: 'actions' },
      call.status === 'unanswered' && isExpert() ? callBackButton(call) : null,
    ),
  );
  return row;
}

/** The whole table, newest first: after a snapshot or the history arrived. */
export function renderCalls() {
  const calls = [...state.calls.values()].sort(newestFirst);
  if (!state.calls.has(focusId)) focusId = state.selectedId ?? calls[0]?.id ?? null;
  rows.clear();
  body().replaceChildren(...calls.map(rowFor));
  $('empty').hidden = calls.length > 0;
}

/** One call's row, replaced or put in its place. Answers the call it replaced, if any. */
export function showCall(call) {
  const before = state.calls.get(call.id);
  if (before && before.seq > call.seq) return before;
  state.calls.set(call.id, call);
  if (focusId === null) focusId = call.id;
  const old = rowOf(call.id);
  const row = rowFor(call);
  if (old) {
    const hadFocus = document.activeElement === old;
    old.replaceWith(row);
    if (hadFocus) row.focus();
  } else {
    const next = [...body().rows].find(
      (r) => newestFirst(call, state.calls.get(r.dataset.callId)) < 0,
    );
    body().insertBefore(row, next ?? null);
  }
  $('empty').hidden = true;
  return before;
}

/** The socket's snapshot: active calls not in it ended while we were away (history has them). */
export function applySnapshot(calls) {
  for (const [id, call] of state.calls) if (ACTIVE.has(call.status)) state.calls.delete(id);
  mergeCalls(calls);
}

/** Calls from REST or a snapshot, each kept only if newer than what is shown. */
export function mergeCalls(calls) {
  for (const call of calls) {
    const shown = state.calls.get(call.id);
    if (!shown || shown.seq <= call.seq) state.calls.set(call.id, call);
  }
  renderCalls();
}

/** Recent calls over REST, so ended, cancelled and unanswered ones survive a reload. */
export async function loadHistory() {
  const { calls } = await api('GET', '/v1/calls?status=all&limit=100');
  mergeCalls(calls);
}

/** A call this person no longer sees (an expert's queued call that another expert took). */
export function removeCall(callId) {
  state.calls.delete(callId);
  rowOf(callId)?.remove();
  rows.delete(callId);
  ticking.delete(callId);
  if (focusId === callId) focusId = body().rows[0]?.dataset.callId ?? null;
  if (focusId) rowOf(focusId).tabIndex = 0;
  $('empty').hidden = state.calls.size > 0;
}

/** Marks the selected row (two rows change, the rest stay). */
export function markSelected(callId) {
  for (const row of body().querySelectorAll('tr[aria-current]')) {
    row.removeAttribute('aria-current');
  }
  rowOf(callId)?.setAttribute('aria-current', 'true');
}

function moveFocus(row) {
  if (!row) return;
  const current = rowOf(focusId ?? '');
  if (current) current.tabIndex = -1;
  focusId = row.dataset.callId;
  row.tabIndex = 0;
  row.focus();
}

export function focusRow(callId) {
  moveFocus(rowOf(callId));
}

export function initCalls({ open }) {
  handlers.open = open;
  document.addEventListener('queues-loaded', renderCalls);
  const tbody = body();
  tbody.addEventListener('click', (event) => {
    const row = event.target.closest('tr[data-call-id]');
    if (!row || event.target.closest('button')) return;
    moveFocus(row);
    open(row.dataset.callId);
  });
  tbody.addEventListener('keydown', (event) => {
    const row = event.target.closest('tr[data-call-id]');
    if (!row || event.target !== row) return;
    const moves = {
      ArrowDown: row.nextElementSibling,
      ArrowUp: row.previousElementSibling,
      Home: tbody.firstElementChild,
      End: tbody.lastElementChild,
    };
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open(row.dataset.callId);
    } else if (event.key in moves) {
      event.preventDefault();
      moveFocus(moves[event.key]);
    }
  });
  tbody.addEventListener('focusin', (event) => {
    const row = event.target.closest?.('tr[data-call-id]');
    if (row && row.tabIndex !== 0) moveFocus(row);
  });
  setInterval(() => {
    const now = Date.now();
    for (const id of ticking) {
      const call = state.calls.get(id);
      const row = rowOf(id);
      if (!call || !row) {
        ticking.delete(id);
        continue;
      }
      row.querySelector('.waiting').textContent = waitText(call, now).text;
      row.querySelector('.duration').textContent = durationText(call, now).text;
    }
  }, 1000);
}
