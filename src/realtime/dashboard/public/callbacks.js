// The console's callbacks: requests nobody took in time, kept by their queue for an expert to
// call the technician back (docs/routing.md, "Callbacks"). Shown above the offers, oldest first;
// "Call back" takes one (POST /v1/calls/:id/callback), which rings this expert like an accept.
// Only the queues whose callbacks this expert may take (GET /v1/queues, `mayCallBack`) are listed:
// the others are for experts with skills they lack, and would only answer 403.
import { $, announce, api, el, queueName, state } from './state.js';
import { dateTimeText, waitingSince } from './format.js';
import { showCall } from './calls.js';

let open = () => undefined;

const oldestFirst = (a, b) => waitingSince(a).localeCompare(waitingSince(b));

function callbackCard(call) {
  const button = el('button', { type: 'button', className: 'take-callback' }, 'Call back');
  button.setAttribute('aria-label', `Call back ${call.technician.displayName}: ${call.title}`);
  const message = el('p', { className: 'offer-message', attrs: { role: 'status' } });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const taken = await api('POST', `/v1/calls/${encodeURIComponent(call.id)}/callback`);
      showCall(taken);
      renderCallbacks();
      announce(`Calling back ${call.technician.displayName}`);
      open(taken.id);
    } catch (error) {
      message.textContent =
        error.status === 409 ? `Too late: ${error.message}` : `Failed: ${error.message}`;
      button.disabled = error.status === 409 || error.status === 403;
    }
  });
  return el(
    'li',
    { className: 'offer callback', dataset: { callId: call.id } },
    el('div', { className: 'offer-head' }, el('strong', { className: 'offer-title' }, call.title)),
    el(
      'p',
      { className: 'offer-facts' },
      el('span', { className: 'technician' }, call.technician.displayName),
      call.queue ? el('span', { className: 'queue' }, queueName(call.queue.id)) : null,
      el(
        'span',
        {},
        'asked ',
        el('time', { dateTime: waitingSince(call) }, dateTimeText(waitingSince(call))),
      ),
    ),
    call.description ? el('p', { className: 'offer-description' }, call.description) : null,
    el('div', { className: 'offer-actions' }, button),
    message,
  );
}

/**
 * The list as the calls now are: after a snapshot and whenever a call changed; `fresh` redraws
 * every card (the queues' names arrived).
 */
export function renderCallbacks(fresh = false) {
  const mine = (call) => state.queues.get(call.queue?.id)?.mayCallBack === true;
  const pending = [...state.calls.values()]
    .filter((call) => call.status === 'callback_pending' && mine(call))
    .sort(oldestFirst);
  const list = $('callbacks');
  const shown = new Map(fresh ? [] : [...list.children].map((item) => [item.dataset.callId, item]));
  // Keep the cards still pending (a message or a focused button stays), add the new ones.
  list.replaceChildren(...pending.map((call) => shown.get(call.id) ?? callbackCard(call)));
  $('callbacks-empty').hidden = pending.length > 0;
}

export function initCallbacks(options) {
  open = options.open;
  document.addEventListener('queues-loaded', () => renderCallbacks(true));
  renderCallbacks();
}
