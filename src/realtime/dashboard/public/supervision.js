// Queues (waiting count, live longest wait, available experts) for experts and supervisors,
// and every expert's presence for supervisors. Loaded over REST, kept fresh by socket events.
import { $, api, announce, el, hasRole, queueName, state } from './state.js';
import { duration } from './format.js';

/** The queues as last fetched, and when, so the longest wait can tick between fetches. */
let queues = [];
let fetchedAt = 0;
let refreshTimer = null;
const expertRows = new Map();

function renderQueues() {
  $('queues-panel').hidden = queues.length === 0;
  $('queues').tBodies[0].replaceChildren(
    ...queues.map((queue) =>
      el(
        'tr',
        { dataset: { queueId: queue.id } },
        el('th', { scope: 'row' }, queue.name),
        el('td', { className: 'queue-waiting' }, String(queue.waiting)),
        el('td', { className: 'queue-longest' }, ''),
        el('td', { className: 'queue-callbacks' }, String(queue.callbacks ?? 0)),
        el('td', { className: 'queue-available' }, String(queue.availableExperts)),
      ),
    ),
  );
  tickQueues();
}

function tickQueues() {
  const elapsed = (Date.now() - fetchedAt) / 1000;
  for (const queue of queues) {
    const cell = $('queues').querySelector(
      `tr[data-queue-id="${CSS.escape(queue.id)}"] .queue-longest`,
    );
    if (!cell) continue;
    cell.textContent =
      queue.waiting > 0 && queue.longestWaitSeconds != null
        ? duration(queue.longestWaitSeconds + elapsed)
        : '–';
  }
}

export async function loadQueues() {
  try {
    ({ queues } = await api('GET', '/v1/queues'));
    fetchedAt = Date.now();
    const first = state.queues.size === 0;
    state.queues = new Map(queues.map((queue) => [queue.id, queue]));
    // Rows drawn before the names arrived show queue ids: draw them once more.
    if (first && queues.length > 0) document.dispatchEvent(new Event('queues-loaded'));
    renderQueues();
  } catch {
    // a broker without routing: no panel
  }
}

/** A queued call changed: fetch the counts again, at most every second. */
export function queuesChanged() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    void loadQueues();
  }, 1000);
}

const PRESENCE_WORDS = {
  available: 'Available',
  away: 'Away',
  offline: 'Offline',
  wrap_up: 'Wrapping up',
};

function expertRow(expert) {
  const word = PRESENCE_WORDS[expert.presence] ?? expert.presence;
  const presence = el('span', { className: `presence p-${expert.presence}` }, word);
  const row = el(
    'tr',
    { dataset: { expertId: expert.id, presence: expert.presence } },
    el('th', { scope: 'row' }, expert.displayName),
    el(
      'td',
      {},
      presence,
      // After-call work is busy too, and already says so.
      expert.busy && expert.presence !== 'wrap_up'
        ? el('span', { className: 'busy' }, ' in a call')
        : null,
    ),
    el('td', { className: 'muted' }, expert.skills.join(', ')),
  );
  expertRows.set(expert.id, row);
  return row;
}

/** `presence.updated`: one row replaced. */
export function onPresence(expert) {
  if (!hasRole('supervisor')) return;
  const old = expertRows.get(expert.id);
  const row = expertRow(expert);
  if (old) old.replaceWith(row);
  else $('experts').tBodies[0].append(row);
  queuesChanged();
}

export async function loadExperts() {
  if (!hasRole('supervisor')) return;
  const { experts } = await api('GET', '/v1/experts');
  $('experts-panel').hidden = false;
  expertRows.clear();
  $('experts').tBodies[0].replaceChildren(...experts.map(expertRow));
}

/** `queue.escalated` (supervisors): said out loud, and the counts refreshed. */
export function onEscalated({ call, step }) {
  const what = step?.notifySupervisors ? 'needs a supervisor' : 'was escalated';
  announce(`${call.title} from ${call.technician.displayName} ${what}`);
  const note = $('escalations');
  note.hidden = false;
  note.replaceChildren(
    el('strong', {}, 'Escalated: '),
    `${call.title} (${call.technician.displayName}${call.queue ? `, ${queueName(call.queue.id)}` : ''})`,
  );
  queuesChanged();
}

export function initSupervision() {
  setInterval(tickQueues, 1000);
  // Counts drift only through events we also hear; a slow refresh covers other instances.
  setInterval(() => state.socket?.connected && void loadQueues(), 15_000);
}
