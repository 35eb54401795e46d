// Searching recent calls by title, technician or reference (externalRef) with GET /v1/calls?q=:
// the table holds only the newest calls; a search reaches the calls the person may see from the
// last 30 days (the broker's default window for q: docs/api.md).
import { $, api, el } from './state.js';
import { dateTimeText, statusLabel } from './format.js';
import { showCall, statusBadge } from './calls.js';

const LIMIT = 50;
let open = () => undefined;
/** Only the latest search shows its results (an older answer arriving late is dropped). */
let latest = 0;

function resultItem(call) {
  const button = el(
    'button',
    { type: 'button', className: 'search-hit secondary', dataset: { callId: call.id } },
    statusBadge(call.status),
    ' ',
    el('strong', {}, call.title),
    ` · ${call.technician.displayName}`,
    call.externalRef ? ` · ${call.externalRef}` : '',
    ' · ',
    el('time', { dateTime: call.createdAt }, dateTimeText(call.createdAt)),
  );
  button.setAttribute('aria-label', `${call.title}, ${statusLabel(call.status)}: open`);
  button.addEventListener('click', () => {
    showCall(call);
    open(call.id);
  });
  return el('li', {}, button);
}

function clear() {
  latest++;
  $('search-results').hidden = true;
  $('search-list').replaceChildren();
}

async function search(text) {
  const ticket = ++latest;
  const summary = $('search-summary');
  $('search-results').hidden = false;
  summary.textContent = 'Searching…';
  try {
    const query = new URLSearchParams({ status: 'all', limit: String(LIMIT), q: text });
    const { calls } = await api('GET', `/v1/calls?${query}`);
    if (ticket !== latest) return;
    const more = calls.length === LIMIT ? ` (the newest ${LIMIT})` : '';
    summary.textContent =
      calls.length === 0
        ? `No calls found for “${text}” in the last 30 days.`
        : `${calls.length} call${calls.length === 1 ? '' : 's'} found for “${text}” in the last 30 days${more}.`;
    // The summary is a status region: screen readers hear it without an announce() as well.
    $('search-list').replaceChildren(...calls.map(resultItem));
  } catch (error) {
    if (ticket !== latest) return;
    summary.textContent = `The search failed: ${error.message}`;
    $('search-list').replaceChildren();
  }
}

export function initSearch(options) {
  open = options.open;
  const input = $('call-search-text');
  $('call-search').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text) void search(text);
    else clear();
  });
  // The clear button (×) of a search field, or emptying it: back to the table alone.
  input.addEventListener('input', () => {
    if (!input.value.trim()) clear();
  });
}
