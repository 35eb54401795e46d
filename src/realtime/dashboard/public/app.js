// The expert dashboard: plain JavaScript on the socket.io client bundle the broker serves.
// Event names and payloads: src/realtime/realtime-events.ts and docs/realtime.md.
/* global io */

const ACTIVE = new Set(['creating', 'ringing', 'expert_joined', 'connected']);
const $ = (id) => document.getElementById(id);

const state = {
  token: null,
  socket: null,
  calls: new Map(),
  selectedId: null,
  /** Highest seq shown in the timeline of the selected call. */
  lastSeq: 0,
};

/**
 * Links carry the token in the fragment (`/#token=...`), which the browser never sends to the
 * server; `/?token=...` from older links still works (the broker's log redacts it). Either is
 * moved to sessionStorage and wiped from the address bar and history.
 */
function readToken() {
  const url = new URL(location.href);
  const fromUrl =
    new URLSearchParams(url.hash.slice(1)).get('token') ?? url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem('broker-token', fromUrl);
    url.searchParams.delete('token');
    url.hash = '';
    history.replaceState(null, '', url);
  }
  return fromUrl ?? sessionStorage.getItem('broker-token');
}

// Pasting another `#token=` link into this tab changes only the fragment: open it afresh.
window.addEventListener('hashchange', () => {
  if (new URLSearchParams(location.hash.slice(1)).has('token')) location.reload();
});

function setConnection(kind, text) {
  const badge = $('connection');
  badge.className = `badge ${kind}`;
  badge.dataset.state = kind;
  badge.textContent = text;
}

function showLogin(message) {
  $('login').hidden = false;
  $('board').hidden = true;
  $('login-error').textContent = message ?? '';
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${state.token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.message ?? `HTTP ${response.status}`);
  return json;
}

/** How long the technician has waited for help: until connected, or until the call ended. */
function waiting(call) {
  const since = Date.parse(call.createdAt);
  const end = call.connectedAt ?? call.endedAt;
  const until = end ? Date.parse(end) : Date.now();
  const seconds = Math.max(0, Math.round((until - since) / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function rowFor(call) {
  const row = document.createElement('tr');
  row.dataset.callId = call.id;
  row.dataset.status = call.status;
  if (call.id === state.selectedId) row.classList.add('selected');
  row.append(
    cell(call.status.replace('_', ' '), `status s-${call.status}`),
    cell(call.title),
    cell(call.technician.displayName),
    cell(
      call.experts
        .map((e) => (e.id === call.joinedExpertId ? `${e.displayName} ✓` : e.displayName))
        .join(', '),
    ),
    cell(waiting(call), 'waiting'),
  );
  row.addEventListener('click', () => select(call.id));
  return row;
}

const newestFirst = (a, b) => b.createdAt.localeCompare(a.createdAt);

/** The whole table, newest first: after a snapshot or a new selection. */
function renderCalls() {
  const calls = [...state.calls.values()].sort(newestFirst);
  $('calls')
    .querySelector('tbody')
    .replaceChildren(...calls.map(rowFor));
  $('empty').hidden = calls.length > 0;
}

/** One call's row, replaced or put in its place: an update must not redraw thousands of rows. */
function showCall(call) {
  state.calls.set(call.id, call);
  const body = $('calls').querySelector('tbody');
  const row = rowFor(call);
  const old = body.querySelector(`tr[data-call-id="${CSS.escape(call.id)}"]`);
  if (old) old.replaceWith(row);
  else {
    const next = [...body.rows].find(
      (r) => newestFirst(call, state.calls.get(r.dataset.callId)) < 0,
    );
    body.insertBefore(row, next ?? null);
  }
  $('empty').hidden = true;
}

/** What the caller told about the selected call: description, ERP or ticket id, metadata. */
function showContext(call) {
  $('timeline-title').textContent = call.title;
  $('call-description').textContent = call.description ?? '';
  $('call-description').hidden = !call.description;
  const entries = [
    ...(call.externalRef ? [['Reference', call.externalRef]] : []),
    ...Object.entries(call.metadata ?? {}),
  ];
  $('call-context').replaceChildren(
    ...entries.flatMap(([key, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = key;
      const dd = document.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    }),
  );
}

function appendEvents(events) {
  const list = $('events');
  for (const event of events) {
    if (event.seq <= state.lastSeq) continue;
    const item = document.createElement('li');
    item.dataset.seq = String(event.seq);
    const time = document.createElement('time');
    time.textContent = new Date(event.at).toLocaleTimeString();
    const who = event.xassist?.contact?.displayName ?? event.xassist?.contact?.userId;
    item.append(time, `${event.type}${who ? ` (${who})` : ''}`);
    list.append(item);
    state.lastSeq = event.seq;
  }
}

/** Asks for everything after what we have; used on select, after a gap and after reconnecting. */
function resync() {
  const callId = state.selectedId;
  if (!callId || !state.socket?.connected) return;
  state.socket.emit('call.subscribe', { callId, afterSeq: state.lastSeq }, (answer) => {
    if (answer.error || callId !== state.selectedId) return;
    showCall(answer.call);
    showContext(answer.call);
    appendEvents(answer.events);
  });
}

function select(callId) {
  state.selectedId = callId;
  state.lastSeq = 0;
  $('events').replaceChildren();
  $('timeline').hidden = false;
  const call = state.calls.get(callId);
  if (call) showContext(call);
  else $('timeline-title').textContent = callId;
  renderCalls();
  resync();
}

function connect() {
  state.socket?.close();
  const socket = io({ auth: { token: state.token }, reconnectionDelayMax: 3000 });
  state.socket = socket;
  setConnection('reconnecting', 'connecting…');

  socket.on('connect', () => {
    setConnection('live', 'live');
    resync();
  });
  socket.on('disconnect', (reason) => {
    setConnection('reconnecting', 'reconnecting…');
    // The server hung up on purpose (e.g. while shutting down): socket.io won't retry by itself.
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 1000);
  });
  socket.io.on('reconnect_attempt', () => setConnection('reconnecting', 'reconnecting…'));
  socket.on('connect_error', (error) => {
    if (socket.active) return setConnection('reconnecting', 'reconnecting…');
    // The server refused the handshake: the token is the problem.
    setConnection('offline', 'offline');
    showLogin(`The broker refused this token: ${error.message}`);
  });

  socket.on('calls.snapshot', ({ calls }) => {
    for (const [id, call] of state.calls) if (ACTIVE.has(call.status)) state.calls.delete(id);
    for (const call of calls) state.calls.set(call.id, call);
    renderCalls();
  });
  socket.on('call.updated', ({ call, events }) => {
    showCall(call);
    if (call.id === state.selectedId) {
      if (events.length > 0 && events[0].seq > state.lastSeq + 1) resync();
      else appendEvents(events);
    }
  });
}

async function open(token) {
  state.token = token;
  try {
    const session = await api('GET', '/v1/session');
    $('who').textContent = `${session.person.displayName} (${session.person.roles.join(', ')})`;
    $('login').hidden = true;
    $('board').hidden = false;
    const demo = $('demo-call');
    demo.hidden = !session.demoCall;
    demo.onclick = async () => {
      demo.disabled = true;
      try {
        const call = await api('POST', '/v1/calls', {
          ...session.demoCall,
          title: 'Demo: pump 7 vibration',
        });
        state.calls.set(call.id, call);
        select(call.id);
      } catch (error) {
        alert(`The demo call failed: ${error.message}`);
      } finally {
        demo.disabled = false;
      }
    };
    connect();
  } catch (error) {
    sessionStorage.removeItem('broker-token');
    showLogin(`This token does not open the dashboard: ${error.message}`);
  }
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('token').value.trim();
  if (token) {
    sessionStorage.setItem('broker-token', token);
    void open(token);
  }
});

setInterval(() => {
  for (const row of document.querySelectorAll('#calls tbody tr')) {
    const call = state.calls.get(row.dataset.callId);
    if (call) row.querySelector('.waiting').textContent = waiting(call);
  }
}, 1000);

const initial = readToken();
if (initial) void open(initial);
else showLogin();
