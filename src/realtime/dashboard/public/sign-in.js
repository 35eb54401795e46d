// Signing in: a pasted token, or the company account through the broker's /auth routes
// (docs/security.md › Dashboard sign-in). With the company account the page never sees the
// refresh token: it asks POST /auth/token for a short-lived access token and renews it before
// it expires, without reloading; when the broker says the session ended, the sign-in panel says so.
import { $, state } from './state.js';

let options = { provider: null, sharedSecretTokens: true };
let renewalTimer = null;
/** Renewals failed in a row: each retry waits twice as long as the one before, up to a minute. */
let failedRenewals = 0;
let renewed = () => {};
let ended = () => {};

/** Renew this long before `exp` at most (a minute), and at least a third of what is left. */
export const renewalDelay = (expiresAt) => {
  const left = Date.parse(expiresAt) - Date.now();
  return Math.max(0, left - Math.min(60_000, left / 3));
};

const FIRST_RETRY_MS = 3000;
const LONGEST_RETRY_MS = 60_000;

/**
 * After the `failures`-th failed renewal in a row: 3 s, 6 s, 12 s … a minute at most, so a
 * provider that is down (or rate-limits) is not asked every 3 s by every open tab; never sooner
 * than the broker's Retry-After (seconds).
 */
export const retryDelay = (failures, retryAfter) =>
  Math.max(
    Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1)),
    Number(retryAfter) * 1000 || 0,
  );

const STATES = {
  'signed-out': 'You signed out.',
  ended: 'Your session ended. Sign in again.',
};

/** Shows a state on the sign-in panel ("You signed out", "Your session ended"). */
export function showSignInState(kind, detail) {
  const line = $('signin-state');
  line.hidden = !kind;
  line.dataset.state = kind ?? '';
  line.textContent = kind ? `${STATES[kind]}${detail ? ` (${detail})` : ''}` : '';
}

async function post(path) {
  const response = await fetch(path, { method: 'POST', credentials: 'same-origin' });
  const body = await response.json().catch(() => ({}));
  return { status: response.status, body, retryAfter: response.headers.get('retry-after') };
}

/**
 * Fills the sign-in panel from GET /auth/options; `onRenewed(token)` runs after each renewal,
 * `onEnded(message)` when the session can no longer be renewed.
 */
export async function initSignIn({ onRenewed, onEnded }) {
  renewed = onRenewed;
  ended = onEnded;
  try {
    const response = await fetch('/auth/options');
    if (response.ok) options = await response.json();
  } catch {
    // An older broker without /auth: the token field alone, as before.
  }
  $('signin-provider').hidden = !options.provider;
  $('signin-provider-name').textContent = options.provider?.name ?? '';
  $('token-help').hidden = !options.sharedSecretTokens;
  // Back from the provider's logout, or from the sign-out button: say so, once.
  const url = new URL(location.href);
  const kind = url.searchParams.get('signin');
  if (kind) {
    url.searchParams.delete('signin');
    history.replaceState(null, '', url);
    if (kind in STATES) showSignInState(kind);
  }
}

/**
 * The company-account session: `{ token }`, or `{ message }` saying why there is none (nothing
 * to say when the page simply was not signed in).
 */
export async function resumeSession() {
  if (!options.provider) return {};
  const { status, body } = await post('/auth/token').catch(() => ({ status: 0, body: {} }));
  if (status === 200) {
    state.signedInWithProvider = true;
    schedule(body.expiresAt);
    return { token: body.accessToken };
  }
  if (body.signIn === 'ended') showSignInState('ended');
  if (status === 401) return {};
  return {
    message: `The sign-in cannot be resumed: ${body.message ?? 'the broker did not answer'}`,
  };
}

function schedule(expiresAt) {
  clearTimeout(renewalTimer);
  renewalTimer = setTimeout(() => void renewNow(), renewalDelay(expiresAt));
}

/** Asks for a fresh token now (also when the broker says the socket's token expired). */
export async function renewNow() {
  if (!state.signedInWithProvider) return;
  clearTimeout(renewalTimer);
  const answer = await post('/auth/token').catch(() => ({ status: 0, body: {} }));
  const { status, body } = answer;
  if (status === 200) {
    failedRenewals = 0;
    state.token = body.accessToken;
    document.body.dataset.tokenRenewals = String(
      Number(document.body.dataset.tokenRenewals ?? 0) + 1,
    );
    schedule(body.expiresAt);
    return renewed(body.accessToken);
  }
  if (status === 401 || status === 403) {
    failedRenewals = 0;
    state.signedInWithProvider = false;
    showSignInState('ended');
    return ended(body.message);
  }
  // The broker or the provider cannot answer now: try again later, the page stays as it is.
  failedRenewals += 1;
  renewalTimer = setTimeout(() => void renewNow(), retryDelay(failedRenewals, answer.retryAfter));
}

/** The page gave up on this session (the broker would not open the dashboard with it). */
export function stopRenewal() {
  clearTimeout(renewalTimer);
  failedRenewals = 0;
  state.signedInWithProvider = false;
}

/** Ends the session here (and at the provider, when it has an end-session endpoint). */
export async function signOut() {
  clearTimeout(renewalTimer);
  state.socket?.close();
  sessionStorage.removeItem('broker-token');
  if (state.signedInWithProvider) {
    const { status, body } = await post('/auth/logout').catch(() => ({ status: 0, body: {} }));
    if (status === 200 && body.endSessionUrl) return location.assign(body.endSessionUrl);
  }
  location.assign('/?signin=signed-out');
}
