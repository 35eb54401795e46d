// Getting an expert's attention for a new offer: a short beep (WebAudio, no sound file), a
// browser notification, and, where notifications are blocked or missing, a banner in the page.
import { $, el } from './state.js';

let audio = null;

/** Browsers start audio only after a user gesture: the first click or key press unlocks it. */
export function unlockSound() {
  if (audio || !window.AudioContext) return;
  audio = new AudioContext();
}

export function beep() {
  if (!audio) return;
  if (audio.state === 'suspended') void audio.resume();
  const start = audio.currentTime;
  for (const [offset, frequency] of [
    [0, 880],
    [0.22, 660],
  ]) {
    const tone = audio.createOscillator();
    const volume = audio.createGain();
    tone.frequency.value = frequency;
    volume.gain.setValueAtTime(0.0001, start + offset);
    volume.gain.exponentialRampToValueAtTime(0.2, start + offset + 0.02);
    volume.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.18);
    tone.connect(volume).connect(audio.destination);
    tone.start(start + offset);
    tone.stop(start + offset + 0.2);
  }
}

const notificationsWork = () => 'Notification' in window && Notification.permission === 'granted';

/** Asks once, from a click (browsers ignore asks without one); shows the fallback note if refused. */
export async function askForNotifications() {
  if ('Notification' in window && Notification.permission === 'default') {
    try {
      await Notification.requestPermission();
    } catch {
      // an old browser's callback-only API: treated as refused
    }
  }
  $('notify-note').hidden = notificationsWork();
}

const banners = new Map();

/** A new offer: sound, and a notification or else a banner (removed with `dismissOffer`). */
export function alertOffer(offerId, title, text, onOpen) {
  beep();
  if (notificationsWork()) {
    try {
      const notification = new Notification(title, { body: text, tag: `offer-${offerId}` });
      notification.onclick = () => {
        window.focus();
        onOpen();
        notification.close();
      };
      banners.set(offerId, { remove: () => notification.close() });
      return;
    } catch {
      // Chrome on Android allows notifications only from a service worker: use the banner
    }
  }
  const show = el('button', { type: 'button', className: 'secondary' }, 'Show');
  show.addEventListener('click', onOpen);
  const banner = el(
    'div',
    { className: 'offer-banner', dataset: { offerId }, attrs: { role: 'alert' } },
    el('strong', {}, title),
    ` ${text} `,
    show,
  );
  $('banners').append(banner);
  banners.set(offerId, banner);
}

export function dismissOffer(offerId) {
  banners.get(offerId)?.remove();
  banners.delete(offerId);
}

export function initAlerts() {
  document.addEventListener('pointerdown', unlockSound, { once: true });
  document.addEventListener('keydown', unlockSound, { once: true });
}
