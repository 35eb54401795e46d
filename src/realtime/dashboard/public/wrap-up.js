// The wrap-up form: it opens in the expert's console when their call ends, and records the
// outcome with PUT /v1/calls/:id/wrap-up (docs/api.md, "Wrap-up, rating and summary").
import { $, announce, api, el, state } from './state.js';

const OUTCOMES = [
  ['resolved', 'Resolved'],
  ['follow_up', 'Follow-up needed'],
  ['escalated', 'Escalated'],
  ['not_resolved', 'Not resolved'],
];
const MAX_LINKS = 10;

/** The call whose wrap-up the form shows; null while it is closed. */
let formCallId = null;

function close() {
  formCallId = null;
  const form = $('wrap-up');
  form.hidden = true;
  form.replaceChildren();
}

/** The links field: one URL a line, blank lines left out. */
const linksOf = (text) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

function fields(call) {
  const choices = OUTCOMES.map(([value, label], i) =>
    el(
      'label',
      { className: 'wrap-up-choice' },
      el('input', { type: 'radio', name: 'outcome', value, required: true, checked: i === 0 }),
      ` ${label}`,
    ),
  );
  return [
    el('h2', { id: 'wrap-up-heading', tabIndex: -1 }, `Wrap-up: ${call.title}`),
    el('fieldset', {}, el('legend', {}, 'Outcome'), ...choices),
    el(
      'label',
      { className: 'wrap-up-check' },
      el('input', { type: 'checkbox', name: 'firstTimeFix', checked: true }),
      ' Fixed on the first call (no visit needed)',
    ),
    el('label', { htmlFor: 'wrap-up-notes' }, 'Notes for the work order'),
    el('textarea', { id: 'wrap-up-notes', name: 'notes', maxLength: 4000, rows: 4 }),
    el('label', { htmlFor: 'wrap-up-links' }, `Links, one a line (up to ${MAX_LINKS})`),
    el('textarea', {
      id: 'wrap-up-links',
      name: 'links',
      rows: 2,
      placeholder: 'https://…',
      spellcheck: false,
    }),
    el(
      'div',
      { className: 'offer-actions' },
      el('button', { type: 'submit' }, 'Save wrap-up'),
      el('button', { type: 'button', className: 'secondary', id: 'wrap-up-later' }, 'Later'),
    ),
    el('p', { id: 'wrap-up-message', className: 'offer-message', attrs: { role: 'status' } }),
  ];
}

async function submit(call, form) {
  const data = new FormData(form);
  const notes = String(data.get('notes') ?? '').trim();
  const body = {
    outcome: data.get('outcome'),
    firstTimeFix: data.get('firstTimeFix') === 'on',
    ...(notes ? { notes } : {}),
    links: linksOf(String(data.get('links') ?? '')),
  };
  const message = $('wrap-up-message');
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await api('PUT', `/v1/calls/${encodeURIComponent(call.id)}/wrap-up`, body);
    announce(`Wrap-up of ${call.title} saved`);
    close();
  } catch (error) {
    // The broker's 400 names the field; the form stays as typed so it can be corrected.
    message.textContent = `Not saved: ${error.message}`;
    button.disabled = false;
  }
}

/** Opens the form for the expert's call that has just ended (once per call). */
export function openWrapUp(call) {
  if (formCallId === call.id) return;
  formCallId = call.id;
  const form = $('wrap-up');
  form.replaceChildren(...fields(call));
  form.dataset.callId = call.id;
  form.hidden = false;
  form.onsubmit = (event) => {
    event.preventDefault();
    void submit(call, form);
  };
  $('wrap-up-later').addEventListener('click', close);
  announce(`${call.title} ended: record the wrap-up`);
  $('wrap-up-heading').focus();
}

/**
 * The call's printable summary (`GET /v1/calls/:id/summary`, HTML) in a new tab: the route takes
 * the bearer token, which a plain link cannot send, so the page is fetched and shown from memory.
 * The tab is opened at the click itself, where no popup blocker stops it.
 */
export async function openSummary(callId) {
  const tab = window.open('', '_blank');
  // The summary is shown in the dashboard's origin (a blob: URL): it gets no handle back on the
  // page that holds the token.
  if (tab) tab.opener = null;
  try {
    const response = await fetch(`/v1/calls/${encodeURIComponent(callId)}/summary?format=html`, {
      headers: { authorization: `Bearer ${state.token}` },
    });
    if (!response.ok) throw new Error(`the broker answered ${response.status}`);
    const url = URL.createObjectURL(new Blob([await response.text()], { type: 'text/html' }));
    if (tab) tab.location.href = url;
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    tab?.close();
    announce(`The summary could not be opened: ${error.message}`);
  }
}
