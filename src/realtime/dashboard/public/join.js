// After an accept, how the expert joins: xAssist rings their own Frontline client, and where the
// broker has XASSIST_JOIN_URL_TEMPLATE, a link opens the same call in the web client. The broker
// fills the template (GET /v1/calls/:id/join), as it does for the glasses' call.invite.
import { api, el } from './state.js';

/** Each call's join URL (or null) once asked; it never changes once the xAssist call exists. */
const joinUrls = new Map();

function joinUrlOf(callId) {
  if (!joinUrls.has(callId)) {
    const asked = api('GET', `/v1/calls/${encodeURIComponent(callId)}/join`)
      .then((answer) => answer.joinUrl)
      .catch(() => {
        joinUrls.delete(callId);
        return null;
      });
    joinUrls.set(callId, asked);
  }
  return joinUrls.get(callId);
}

const WHAT_NOW = {
  ringing: 'xAssist is ringing your Frontline client: accept the call there.',
  expert_joined: 'You are in the call on xAssist; the technician’s glasses are being rung.',
  connected: 'You and the technician are connected on xAssist.',
};

/** What to do now in the expert's own call, and the web client's link once it is known. */
export function joinHelp(call) {
  const what = WHAT_NOW[call.status];
  if (!what) return null;
  const help = el('div', { className: 'join-help' }, el('p', { className: 'join-what' }, what));
  if (call.xassistCallId) {
    void joinUrlOf(call.id).then((url) => {
      if (!url) return;
      const link = el(
        'a',
        { href: url, target: '_blank', rel: 'noopener', className: 'join-link' },
        'Open the call in the Frontline web client',
      );
      help.append(el('p', {}, link));
    });
  }
  return help;
}
