/**
 * Query parameters that carry credentials in the wild (OAuth, socket.io auth, magic links,
 * signed S3 links, API keys), matched case-insensitively.
 */
const SECRET_PARAMETER =
  /^(token|access_token|id_token|refresh_token|jwt|auth|authorization|code|api[-_]?key|key|secret|client_secret|password|passwd|pwd|session|sessionid|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)$/i;
/** A JWT under any name: three base64url parts, the first a JSON object ("eyJ"). */
const JWT_VALUE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/;
/** An accept link's token under any name: a base64url body, a dot, a 43-character HMAC. */
const ACCEPT_TOKEN_VALUE = /[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{43}/;
/** The path whose next segment is an accept link's token, whatever its shape (a cut one too). */
const ACCEPT_PATH = 'accept';

const secretValue = (text: string) => JWT_VALUE.test(text) || ACCEPT_TOKEN_VALUE.test(text);

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * A client that puts its token in the path (`/v1/calls/<jwt>`) must not see it logged either;
 * nor the token of an accept link (`/accept/<token>`), whatever was made of it.
 */
function redactPath(path: string): string {
  const segments = path.split('/');
  return segments
    .map((segment, index) =>
      secretValue(decoded(segment)) ||
      (index > 0 && segments[index - 1] === ACCEPT_PATH && segment !== '')
        ? '[redacted]'
        : segment,
    )
    .join('/');
}

/**
 * The URL as it may be logged: JWT- or accept-token-shaped path segments (and whatever follows
 * `/accept/`) and token-like query values replaced by `[redacted]`, the rest byte for byte, and
 * the fragment dropped (browsers never send one; a client that does is likely pasting a
 * `#token=` link).
 */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const withoutFragment = url.split('#', 1)[0];
  const question = withoutFragment.indexOf('?');
  if (question < 0) return redactPath(withoutFragment);
  const query = withoutFragment
    .slice(question + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      const value = equals < 0 ? '' : pair.slice(equals + 1);
      const secret = SECRET_PARAMETER.test(decoded(name)) || secretValue(decoded(value));
      return secret && equals >= 0 ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${redactPath(withoutFragment.slice(0, question))}?${query}`;
}
