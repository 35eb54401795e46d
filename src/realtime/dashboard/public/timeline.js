// The selected call's context and event timeline; on a phone a full-screen sheet with a
// close button. Events arrive by seq; a gap or a reconnect asks `call.subscribe` for the rest.
import { $, announce, el, queueName, state } from './state.js';
import { eventLabel, statusLabel } from './format.js';
import { focusRow, markSelected, showCall, statusBadge, whenAsked } from './calls.js';
import { openSummary } from './wrap-up.js';

/** Highest seq shown in the timeline of the selected call. */
let lastSeq = 0;

function showContext(call) {
  $('timeline-title').textContent = call.title;
  $('timeline-status').replaceChildren(
    statusBadge(call.status),
    ` ${call.technician.displayName}`,
    call.queue ? ` · ${queueName(call.queue.id)}` : '',
    ' · ',
    whenAsked(call),
  );
  // The work order's page: for a call that ended talking (it has an outcome to record).
  $('timeline-summary').hidden = call.status !== 'ended';
  $('call-description').textContent = call.description ?? '';
  $('call-description').hidden = !call.description;
  const entries = [
    ...(call.externalRef ? [['Reference', call.externalRef]] : []),
    ...Object.entries(call.metadata ?? {}),
  ];
  $('call-context').replaceChildren(
    ...entries.flatMap(([key, value]) => [el('dt', {}, key), el('dd', {}, value)]),
  );
}

function appendEvents(events) {
  const list = $('events');
  for (const event of events) {
    if (event.seq <= lastSeq) continue;
    const time = el('time', { dateTime: event.at }, new Date(event.at).toLocaleTimeString());
    list.append(
      el(
        'li',
        { dataset: { seq: String(event.seq), type: event.type }, title: event.type },
        time,
        eventLabel(event),
      ),
    );
    lastSeq = event.seq;
  }
}

/** Asks for everything after what we have; used on select, after a gap and after reconnecting. */
export function resync() {
  const callId = state.selectedId;
  if (!callId || !state.socket?.connected) return;
  state.socket.emit('call.subscribe', { callId, afterSeq: lastSeq }, (answer) => {
    if (answer.error || callId !== state.selectedId) return;
    showCall(answer.call);
    showContext(answer.call);
    appendEvents(answer.events);
  });
}

/** A `call.updated` of any call: the timeline follows the selected one. */
export function onCallUpdated(call, events, before) {
  if (call.id !== state.selectedId) return;
  showContext(call);
  if (before && before.status !== call.status) {
    announce(`${call.title}: ${statusLabel(call.status)}`);
  }
  if (events.length > 0 && events[0].seq > lastSeq + 1) resync();
  else appendEvents(events);
}

export function openTimeline(callId) {
  const again = callId === state.selectedId && !$('timeline').hidden;
  state.selectedId = callId;
  if (!again) {
    lastSeq = 0;
    $('events').replaceChildren();
  }
  $('timeline').hidden = false;
  document.body.classList.add('timeline-open');
  const call = state.calls.get(callId);
  if (call) showContext(call);
  else $('timeline-title').textContent = callId;
  markSelected(callId);
  $('timeline-title').focus({ preventScroll: !matchMedia('(max-width: 720px)').matches });
  resync();
}

export function closeTimeline() {
  const callId = state.selectedId;
  $('timeline').hidden = true;
  document.body.classList.remove('timeline-open');
  if (callId) focusRow(callId);
}

export function initTimeline() {
  $('timeline-close').addEventListener('click', closeTimeline);
  $('timeline-summary').addEventListener('click', () => openSummary(state.selectedId));
  $('timeline').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeTimeline();
  });
}
