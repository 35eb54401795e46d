// What every module of the dashboard shares: who is looking, the socket, the calls.

export const state = {
  token: null,
  /** Signed in with the company account: the token is renewed through POST /auth/token. */
  signedInWithProvider: false,
  /** The session: `{ person: { id, displayName, roles }, demoMode, demoCall }`. */
  session: null,
  socket: null,
  /** Every call shown, by id (active ones from the socket, recent ones from REST). */
  calls: new Map(),
  selectedId: null,
  /** The directory's queues by id (`GET /v1/queues`): a call names only its queue's id. */
  queues: new Map(),
};

/** A queue's name for people; its id until the queues are loaded. */
export const queueName = (queueId) => state.queues.get(queueId)?.name ?? queueId;

export const $ = (id) => document.getElementById(id);

export const hasRole = (role) => state.session?.person.roles.includes(role) ?? false;
export const isExpert = () => hasRole('expert');
export const seesEverything = () => hasRole('supervisor') || hasRole('integration');

/** `el('td', { className: 'x', dataset: { id } }, 'text', child)`: a small element builder. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  const { dataset, attrs, ...rest } = props;
  Object.assign(node, rest);
  Object.assign(node.dataset, dataset ?? {});
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, value);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body.code;
  }
}

/**
 * The broker's answer to a request with the page's token (a pasted one, or the company sign-in's,
 * which `state.token` holds as it is renewed); an error answer becomes an ApiError with its message.
 */
export async function request(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${state.token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
  return response;
}

export async function api(method, path, body) {
  const response = await request(method, path, body);
  return response.json().catch(() => ({}));
}

/**
 * A socket message with an acknowledgement, or the REST call when the socket is down.
 * Both answer the same shapes; a socket `{ error }` becomes an ApiError like REST's.
 */
export async function ask(event, payload, rest) {
  const socket = state.socket;
  if (!socket?.connected) return rest();
  const answer = await socket.timeout(10_000).emitWithAck(event, payload);
  if (answer?.error) throw new ApiError(answer.error.statusCode, answer.error);
  return answer;
}

/** Tells screen readers (one polite live region); the last few messages stay in it. */
export function announce(text) {
  const region = $('announcer');
  region.append(el('p', {}, text));
  while (region.childElementCount > 3) region.firstElementChild.remove();
}

/**
 * Links carry the token in the fragment (`/#token=...`), which the browser never sends to the
 * server; `/?token=...` from older links still works (the broker's log redacts it). Either is
 * moved to sessionStorage and wiped from the address bar and history.
 */
export function readToken() {
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
