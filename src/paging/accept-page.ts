import type { AcceptAnswer } from './accept-links.service.js';

/**
 * The accept page's policy: the dashboard's (nothing inline, nothing from elsewhere), except that
 * its one form may post to this origin.
 */
export const ACCEPT_PAGE_CSP = [
  "default-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Plain HTML, no script, no style: a headline, a sentence and, to confirm, a form that POSTs here. */
export function acceptPage(answer: AcceptAnswer): string {
  const form = answer.confirm
    ? '<form method="post"><button type="submit">Accept</button></form>'
    : '';
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${escape(answer.headline)} · Expert Call Broker</title></head>`,
    `<body><main><h1>${escape(answer.headline)}</h1><p>${escape(answer.text)}</p>${form}</main></body></html>`,
    '',
  ].join('\n');
}
