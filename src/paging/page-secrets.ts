import { isSealed } from '../common/secret-box.js';
import type { PagePayload } from './paging.service.js';

/** The fallback page's password line (paging-pages.ts, fallbackPageOf). */
const PASSWORD_LINE = /^Password: /;
const UNREADABLE: PagePayload = {
  title: '(a page no configured DATA_ENCRYPTION_KEYS key opens)',
  lines: [],
  mentions: [],
  links: [],
};

/**
 * A page's row once delivered or dead (docs/security.md, "At rest"): its accept links (each a
 * credential to accept as an expert) and a fallback meeting's password are wiped; the title and
 * the other lines stay, so a retried dead page still says what it was about.
 */
export function wipePageSecrets(payload: string): string {
  // Still sealed: no configured key opened it, so it could not be sent. Nothing of it is
  // readable; keep none, or the failed row could never settle and would block the call's pages.
  if (isSealed(payload)) return JSON.stringify(UNREADABLE);
  const page = JSON.parse(payload) as PagePayload;
  return JSON.stringify({
    ...page,
    lines: page.lines.map((line) =>
      PASSWORD_LINE.test(line) ? 'Password: (wiped once the page was sent)' : line,
    ),
    links: [],
  } satisfies PagePayload);
}
