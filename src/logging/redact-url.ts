/**
 * Query parameters that carry credentials in the wild (OAuth, socket.io auth, magic links,
 * signed S3 links, API keys), matched case-insensitively.
 */
const SECRET_PARAMETER =
  /^(token|access_token|id_token|refresh_token|jwt|auth|authorization|code|api[-_]?key|key|secret|client_secret|password|passwd|pwd|session|sessionid|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)$/i;
/** A JWT under any name: three base64url parts, the first a JSON object ("eyJ"). */
const JWT_VALUE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** A client that puts its token in the path (`/v1/calls/<jwt>`) must not see it logged either. */
function redactPath(path: string): string {
  return path
    .split('/')
    .map((segment) => (JWT_VALUE.test(decoded(segment)) ? '[redacted]' : segment))
    .join('/');
}

/**
 * The URL as it may be logged: JWT-shaped path segments and token-like query values replaced
 * by `[redacted]`, the rest byte for byte, and the fragment dropped (browsers never send one; a
 * client that does is likely pasting a `#token=` link).
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
      const secret = SECRET_PARAMETER.test(decoded(name)) || JWT_VALUE.test(decoded(value));
      return secret && equals >= 0 ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${redactPath(withoutFragment.slice(0, question))}?${query}`;
}
