import { OUTCOME_WORDS, type CallSummary } from './call-summary.js';

/**
 * The summary page's policy: no script at all, no inline style, nothing from elsewhere (its
 * links are followed by the reader, not loaded); printing needs none of it.
 */
export const SUMMARY_PAGE_CSP = [
  "default-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const duration = (seconds: number | null): string => {
  if (seconds === null) return '-';
  const minutes = Math.floor(seconds / 60);
  return minutes === 0 ? `${seconds} s` : `${minutes} min ${seconds % 60} s`;
};

const row = (label: string, value: string) =>
  `<tr><th scope="row">${escape(label)}</th><td>${value}</td></tr>`;

/**
 * The call for people and printers: plain HTML, every value from the call escaped, links only
 * as http(s) anchors the wrap-up's validation already let through.
 */
export function callSummaryPage(summary: CallSummary): string {
  const wrapUp = summary.wrapUp;
  const rows = [
    row('Call', escape(summary.callId)),
    row('Work order', escape(summary.externalRef ?? '-')),
    row('Queue', escape(summary.queueId ?? '-')),
    row('Status', escape(summary.status)),
    row('Technician', escape(summary.technician.displayName)),
    row('Expert', escape(summary.expert?.displayName ?? '-')),
    row('Asked at', escape(summary.createdAt)),
    ...summary.participants.map((person) =>
      row(`${person.displayName} joined`, escape(person.joinedAt ?? '-')),
    ),
    row('Ended at', escape(summary.endedAt ?? '-')),
    row('Wait', escape(duration(summary.waitSeconds))),
    row('Talk time', escape(duration(summary.talkSeconds))),
    row('Outcome', escape(summary.outcome ? OUTCOME_WORDS[summary.outcome] : 'not recorded yet')),
    row(
      'First-time fix',
      escape(summary.firstTimeFix === null ? '-' : summary.firstTimeFix ? 'yes' : 'no'),
    ),
    row(
      'Rating',
      escape(summary.rating ? `${summary.rating.rating} of 5${commentOf(summary)}` : '-'),
    ),
  ];
  const notes = wrapUp
    ? `<h2>Notes</h2><p class="notes">${escape(wrapUp.notes).replace(/\r\n|\n|\r/g, '<br>')}</p>` +
      `<p>Recorded by ${escape(wrapUp.by.displayName)} at ${escape(wrapUp.updatedAt)}.</p>`
    : '';
  const links =
    wrapUp && wrapUp.links.length > 0
      ? `<h2>Links</h2><ul>${wrapUp.links
          .map((url) => `<li><a href="${escape(url)}" rel="noreferrer">${escape(url)}</a></li>`)
          .join('')}</ul>`
      : '';
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>Call summary: ${escape(summary.title)} · Expert Call Broker</title></head>`,
    `<body><main><h1>Call summary: ${escape(summary.title)}</h1>`,
    `<table><tbody>${rows.join('')}</tbody></table>${notes}${links}</main></body></html>`,
    '',
  ].join('\n');
}

function commentOf(summary: CallSummary): string {
  return summary.rating?.comment ? `: ${summary.rating.comment}` : '';
}
