// The expert dashboard: plain JavaScript modules on the socket.io client bundle the broker
// serves. Event names and payloads: src/realtime/realtime-events.ts and docs/realtime.md.
/* global io */
import { $, api, announce, isExpert, readToken, seesEverything, state } from './state.js';
import { statusLabel } from './format.js';
import { applySnapshot, initCalls, loadHistory, removeCall, showCall } from './calls.js';
import { initTimeline, onCallUpdated, openTimeline, resync } from './timeline.js';
import { initAlerts } from './alerts.js';
import { initSearch } from './search.js';
import * as expertConsole from './console.js';
import { initCallbacks, renderCallbacks } from './callbacks.js';
import * as sessions from './sessions.js';
import * as supervision from './supervision.js';
import * as signIn from './sign-in.js';

/**
 * A group page's console link, `/#call=<id>`, opens that request once signed in (the person's
 * own session decides what they may do with it). Kept in sessionStorage so the sign-in form,
 * when it is needed first, does not lose it.
 */
const OPEN_CALL = 'broker-open-call';
function readCallLink() {
  const callId = new URLSearchParams(location.hash.slice(1)).get('call');
  if (callId) sessionStorage.setItem(OPEN_CALL, callId);
}
function openLinkedCall() {
  const callId = sessionStorage.getItem(OPEN_CALL);
  if (!callId) return;
  sessionStorage.removeItem(OPEN_CALL);
  openTimeline(callId);
}

// Pasting another `#token=` link into this tab changes only the fragment: open it afresh.
window.addEventListener('hashchange', () => {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has('token')) return location.reload();
  readCallLink();
  if (state.session) openLinkedCall();
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
  $('sign-out').hidden = true;
  $('login-error').textContent = message ?? '';
}

const report = (what) => (error) => console.warn(`${what} failed:`, error);

function connect() {
  state.socket?.close();
  // WebSocket only: one connection that stays on the instance it reached, so a round-robin
  // balancer in front of several instances needs no sticky sessions (docs/scaling.md).
  // A function: every (re)connect sends the newest token, renewed or not.
  const socket = io({
    auth: (send) => send({ token: state.token }),
    transports: ['websocket'],
    reconnectionDelayMax: 3000,
  });
  state.socket = socket;
  setConnection('reconnecting', 'connecting…');

  socket.on('connect', () => {
    setConnection('live', 'live');
    resync();
    // Ended calls are not in the snapshot: the history brings them (also after a drop).
    loadHistory().catch(report('loading recent calls'));
    void supervision.loadQueues();
    supervision.loadExperts().catch(report('loading experts'));
    if (isExpert()) expertConsole.refreshConsole().catch(report('loading offers'));
    if (isExpert()) void sessions.refreshSessions();
  });
  socket.on('disconnect', (reason) => {
    setConnection('reconnecting', 'reconnecting…');
    // The server hung up on purpose (e.g. while shutting down): socket.io won't retry by itself.
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 1000);
  });
  socket.io.on('reconnect_attempt', () => setConnection('reconnecting', 'reconnecting…'));
  socket.on('connect_error', (error) => {
    if (socket.active) return setConnection('reconnecting', 'reconnecting…');
    // The server refused the handshake: the token is the problem (a company sign-in renews it;
    // other refusals, such as too many sockets, would only come back after a renewal).
    if (state.signedInWithProvider && error.data?.statusCode === 401) return void signIn.renewNow();
    setConnection('offline', 'offline');
    showLogin(`The broker refused this token: ${error.message}`);
  });

  // The handshake's token reached its exp before a renewal: renew now (which reconnects).
  socket.on('session.expired', () => void signIn.renewNow());
  socket.on('calls.snapshot', ({ calls }) => {
    applySnapshot(calls);
    if (isExpert()) renderCallbacks();
  });
  socket.on('call.updated', ({ call, events }) => {
    if (isExpert() && expertConsole.takenByAnother(call)) {
      removeCall(call.id);
      return renderCallbacks();
    }
    const before = showCall(call);
    onCallUpdated(call, events, before);
    if (isExpert()) {
      expertConsole.onCall(call, before);
      renderCallbacks();
      sessions.onCall(call);
    }
    if (call.queue || before?.queue) supervision.queuesChanged();
  });
  // Sent to supervisors too: the row says so at once, and the queues' counts are fetched again.
  socket.on('call.nobody_can_take', ({ call }) => {
    showCall(call);
    supervision.queuesChanged();
  });
  socket.on('offer.created', (payload) => {
    showCall(payload.call);
    expertConsole.onOfferCreated(payload);
  });
  socket.on('offer.ended', (payload) => expertConsole.onOfferEnded(payload));
  socket.on('presence.updated', ({ expert }) => {
    if (isExpert()) expertConsole.onOwnPresence(expert);
    supervision.onPresence(expert);
  });
  socket.on('queue.escalated', (payload) => supervision.onEscalated(payload));
}

function demoButton(session) {
  const demo = $('demo-call');
  demo.hidden = !session.demoCall;
  demo.onclick = async () => {
    demo.disabled = true;
    const { technicianId, expertIds, queueId } = session.demoCall;
    try {
      // Through the queue, the expert looking is offered the request: they must be available.
      if (queueId && isExpert()) await expertConsole.ensureAvailable();
      const call = await api('POST', '/v1/calls', {
        technicianId,
        ...(queueId ? { queueId } : { expertIds }),
        title: 'Demo: pump 7 vibration',
      });
      showCall(call);
      announce(`Demo call: ${statusLabel(call.status)}`);
      openTimeline(call.id);
    } catch (error) {
      announce(`The demo call failed: ${error.message}`);
      alert(`The demo call failed: ${error.message}`);
    } finally {
      demo.disabled = false;
    }
  };
}

async function open(token) {
  state.token = token;
  let session;
  try {
    session = await api('GET', '/v1/session');
  } catch (error) {
    sessionStorage.removeItem('broker-token');
    signIn.stopRenewal();
    return showLogin(`This token does not open the dashboard: ${error.message}`);
  }
  state.session = session;
  $('who').textContent = `${session.person.displayName} (${session.person.roles.join(', ')})`;
  $('login').hidden = true;
  $('board').hidden = false;
  $('sign-out').hidden = false;
  document.body.dataset.view = isExpert() ? 'expert' : seesEverything() ? 'supervisor' : 'other';
  demoButton(session);
  $('reports-link').hidden = !seesEverything();
  connect();
  openLinkedCall();
  if (isExpert()) {
    expertConsole.initConsole({ open: openTimeline }).catch(report('opening the console'));
    initCallbacks({ open: openTimeline });
    void sessions.initSessions({ open: openTimeline });
  }
}

initCalls({ open: openTimeline });
initTimeline();
initAlerts();
initSearch({ open: openTimeline });
supervision.initSupervision();

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('token').value.trim();
  if (token) {
    sessionStorage.setItem('broker-token', token);
    void open(token);
  }
});

$('sign-out').addEventListener('click', () => void signIn.signOut());

/** A renewed token: the socket reconnects with it, so the broker re-authenticates it. */
function reauthenticate() {
  const socket = state.socket;
  if (!socket) return;
  socket.disconnect();
  socket.connect();
}

/** The company sign-in can no longer be renewed: the sign-in panel, never a broken page. */
function sessionEnded() {
  state.socket?.close();
  state.socket = null;
  state.token = null;
  state.session = null;
  setConnection('offline', 'offline');
  showLogin();
}

async function start() {
  readCallLink();
  await signIn.initSignIn({ onRenewed: reauthenticate, onEnded: sessionEnded });
  const pasted = readToken();
  if (pasted) return void open(pasted);
  const resumed = await signIn.resumeSession();
  if (resumed.token) void open(resumed.token);
  else showLogin(resumed.message);
}
void start();
