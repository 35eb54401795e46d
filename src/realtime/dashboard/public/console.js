// The expert's console: the availability switch, incoming offers (Accept / Decline, with the
// time left to answer and how long the request waited), and the expert's own active call.
import { $, announce, api, ask, el, queueName, state } from './state.js';
import {
  ACTIVE,
  duration,
  durationText,
  offerLeftText,
  statusLabel,
  waitingSince,
} from './format.js';
import { showCall, statusBadge } from './calls.js';
import { alertOffer, askForNotifications, dismissOffer, unlockSound } from './alerts.js';
import { joinHelp } from './join.js';
import { openWrapUp } from './wrap-up.js';

/** Pending offers to this expert, by offer id: `{ offer, call }`. */
const offers = new Map();
let open = () => undefined;
let myCallId = null;

const me = () => state.session.person.id;

// ---- presence -------------------------------------------------------------------------------

function showPresence(presence, busy) {
  const toggle = $('available');
  toggle.checked = presence === 'available';
  toggle.setAttribute('aria-checked', String(toggle.checked));
  const words = {
    available: 'Available',
    away: 'Away',
    offline: 'Offline',
    wrap_up: 'Wrapping up',
  };
  const inCall = busy && presence !== 'wrap_up' ? ', in a call' : '';
  $('presence-text').textContent = `${words[presence] ?? presence}${inCall}`;
  $('presence').dataset.presence = presence;
}

async function setPresence(status) {
  const toggle = $('available');
  toggle.disabled = true;
  try {
    const answer = await ask('presence.set', { status }, () =>
      api('PUT', '/v1/presence/me', { status }),
    );
    // REST answers `{ presence: 'available', ... }`, the socket `{ presence: { presence, ... } }`.
    showPresence(answer.presence?.presence ?? answer.presence);
    announce(status === 'available' ? 'You are available for calls' : 'You are away');
  } catch (error) {
    showPresence(status === 'available' ? 'away' : 'available');
    announce(`Changing your availability failed: ${error.message}`);
  } finally {
    toggle.disabled = false;
  }
}

/** Before a demo call through a queue: the expert must be available to be offered it. */
export async function ensureAvailable() {
  if (!$('available').checked) {
    $('available').checked = true;
    await setPresence('available');
  }
}

/** A routed call someone else took: no longer this expert's to see (the broker stops telling). */
export function takenByAnother(call) {
  const waiting = ['queued', 'callback_pending', 'unanswered', 'cancelled'];
  if (!call.queue || waiting.includes(call.status)) return false;
  return !call.experts.some((expert) => expert.id === me());
}

/** `presence.updated` about this expert (other tabs, the offline grace, two timeouts in a row). */
export function onOwnPresence(expert) {
  if (expert.id === me()) showPresence(expert.presence, expert.busy);
}

// ---- offers ---------------------------------------------------------------------------------

function offerCard({ offer, call }) {
  const accept = el('button', { type: 'button', className: 'accept' }, 'Accept');
  const decline = el('button', { type: 'button', className: 'decline secondary' }, 'Decline');
  const message = el('p', { className: 'offer-message', attrs: { role: 'status' } });
  const card = el(
    'li',
    { className: 'offer', dataset: { offerId: offer.id, callId: call.id } },
    el(
      'div',
      { className: 'offer-head' },
      call.priority === 'urgent' ? el('span', { className: 'urgent' }, 'urgent') : null,
      el('strong', { className: 'offer-title' }, call.title),
    ),
    el(
      'p',
      { className: 'offer-facts' },
      el('span', { className: 'technician' }, call.technician.displayName),
      call.queue ? el('span', { className: 'queue' }, queueWithSkills(call.queue.id)) : null,
      el('span', {}, 'waiting ', el('span', { className: 'offer-waiting' }, '')),
    ),
    el(
      'p',
      { className: 'offer-left' },
      el('span', { className: 'offer-left-time' }, ''),
      ' left to accept',
    ),
    call.description ? el('p', { className: 'offer-description' }, call.description) : null,
    el('div', { className: 'offer-actions' }, accept, decline),
    message,
  );
  accept.setAttribute('aria-label', `Accept ${call.title} from ${call.technician.displayName}`);
  decline.setAttribute('aria-label', `Decline ${call.title}`);
  const answer = (verb) => async () => {
    accept.disabled = decline.disabled = true;
    try {
      const result = await ask(`offer.${verb}`, { offerId: offer.id }, () =>
        api('POST', `/v1/offers/${encodeURIComponent(offer.id)}/${verb}`),
      );
      removeOffer(offer.id);
      showCall(result.call);
      if (verb === 'accept') {
        showOwnCall(result.call);
        announce(`You accepted ${call.title}`);
        open(result.call.id);
      } else announce(`You declined ${call.title}`);
    } catch (error) {
      message.textContent =
        error.status === 409 ? `Too late: ${error.message}` : `Failed: ${error.message}`;
      if (error.status === 409 || error.status === 404)
        setTimeout(() => removeOffer(offer.id), 4000);
      else accept.disabled = decline.disabled = false;
    }
  };
  accept.addEventListener('click', answer('accept'));
  decline.addEventListener('click', answer('decline'));
  return card;
}

function queueWithSkills(queueId) {
  const skills = state.queues.get(queueId)?.skills ?? [];
  return skills.length ? `${queueName(queueId)} (${skills.join(', ')})` : queueName(queueId);
}

const cardOf = (offerId) => $('offers').querySelector(`li[data-offer-id="${CSS.escape(offerId)}"]`);

/** `offer.created` (also re-sent on connect) and the pending offers loaded over REST. */
export function onOfferCreated({ offer, call }) {
  if (offer.status !== 'pending' || offer.expertId !== me()) return;
  const known = offers.has(offer.id);
  offers.set(offer.id, { offer, call });
  if (known) return tickOffers();
  $('offers').append(offerCard({ offer, call }));
  $('offers-empty').hidden = true;
  tickOffers();
  const where = call.queue ? ` in ${queueName(call.queue.id)}` : '';
  const text = `${call.technician.displayName}${where}: ${call.title}`;
  announce(`New request from ${text}`);
  alertOffer(offer.id, 'New expert request', text, () =>
    cardOf(offer.id)?.querySelector('.accept')?.focus(),
  );
}

function removeOffer(offerId) {
  offers.delete(offerId);
  cardOf(offerId)?.remove();
  dismissOffer(offerId);
  $('offers-empty').hidden = offers.size > 0;
}

const ENDED_WORDS = {
  accepted: 'was taken',
  declined: 'was declined',
  timed_out: 'timed out',
  rescinded: 'was withdrawn',
};

/** `offer.ended`: taken by someone else, withdrawn, timed out. */
export function onOfferEnded({ offer }) {
  const held = offers.get(offer.id);
  if (!held) return;
  removeOffer(offer.id);
  if (offer.status === 'accepted' && offer.expertId === me()) return;
  announce(`The request ${held.call.title} ${ENDED_WORDS[offer.status] ?? 'ended'}`);
}

/** A call that changed: its offer card shows the news; an own call is shown as such. */
export function onCall(call, before) {
  for (const held of offers.values()) if (held.call.id === call.id) held.call = call;
  const mine =
    call.acceptedBy?.id === me() ||
    call.joinedExpertId === me() ||
    (call.experts.length === 1 && call.experts[0].id === me() && !call.queue);
  if (mine && (ACTIVE.has(call.status) || call.id === myCallId)) showOwnCall(call);
  // Their call ended talking: after-call work starts, the wrap-up form opens.
  if (mine && call.status === 'ended' && before && before.status !== 'ended') openWrapUp(call);
  if (mine && before && before.status !== call.status && call.id !== state.selectedId) {
    announce(`${call.title}: ${statusLabel(call.status)}`);
  }
}

// ---- the own call ---------------------------------------------------------------------------

function showOwnCall(call) {
  if (call.id !== myCallId && !ACTIVE.has(call.status)) return;
  myCallId = ACTIVE.has(call.status) ? call.id : null;
  const panel = $('my-call');
  if (!myCallId) return void panel.replaceChildren(el('p', { className: 'muted' }, 'No call now.'));
  const openButton = el('button', { type: 'button', className: 'secondary' }, 'Timeline');
  openButton.addEventListener('click', () => open(call.id));
  panel.replaceChildren(
    el('p', {}, statusBadge(call.status), ' ', el('strong', {}, call.title)),
    el(
      'p',
      { className: 'muted' },
      `${call.technician.displayName}${call.queue ? ` · ${queueName(call.queue.id)}` : ''} · `,
      el('span', { className: 'my-call-time' }, ''),
    ),
    joinHelp(call),
    openButton,
  );
  tickOwnCall();
}

function tickOwnCall() {
  const call = state.calls.get(myCallId);
  const time = $('my-call').querySelector('.my-call-time');
  if (!call || !time) return;
  time.textContent = call.connectedAt
    ? `connected ${durationText(call).text}`
    : `waiting ${duration((Date.now() - Date.parse(waitingSince(call))) / 1000)}`;
}

function tickOffers() {
  const now = Date.now();
  for (const { offer, call } of offers.values()) {
    const card = cardOf(offer.id);
    if (!card) continue;
    const since = Date.parse(waitingSince(call));
    card.querySelector('.offer-waiting').textContent = duration((now - since) / 1000);
    card.querySelector('.offer-left-time').textContent = offerLeftText(offer, now);
  }
}

/** Shows the console for an expert: presence as stored, pending offers, the current call. */
export async function initConsole(options) {
  open = options.open;
  $('console').hidden = false;
  $('presence').hidden = false;
  $('available').addEventListener('change', (event) => {
    unlockSound();
    const status = event.target.checked ? 'available' : 'away';
    if (status === 'available') void askForNotifications();
    void setPresence(status);
  });
  $('notify-allow').addEventListener('click', () => void askForNotifications());
  const supported = 'Notification' in window;
  $('notify-note').hidden = supported && Notification.permission === 'granted';
  $('notify-allow').hidden = !supported || Notification.permission !== 'default';
  setInterval(() => {
    tickOffers();
    tickOwnCall();
  }, 1000);
  await refreshConsole();
}

/** On open and after each reconnect: presence and pending offers as the broker has them now. */
export async function refreshConsole() {
  const [{ experts }, pending] = await Promise.all([
    api('GET', '/v1/experts'),
    api('GET', '/v1/offers?status=pending').catch(() => ({ offers: [] })),
  ]);
  const self = experts.find((expert) => expert.id === me());
  if (self) showPresence(self.presence, self.busy);
  const still = new Set(pending.offers.map(({ offer }) => offer.id));
  for (const id of offers.keys()) if (!still.has(id)) removeOffer(id);
  for (const held of pending.offers) onOfferCreated(held);
}
