// "Add to calendar" on an upcoming session: its iCalendar event (GET /v1/appointments/:id.ics,
// docs/api.md › Booked sessions) as a file to open in the viewer's calendar. The route takes the
// bearer token, which a plain link cannot send, so the file is fetched with the page's token and
// handed to the browser as a download from memory (a blob: URL, which the CSP does not govern).
// The event's UID is the session's for its whole life, so opening a newer file after a move
// updates the event in the calendar instead of adding a second one.
import { announce, el, request } from './state.js';

/** A file name's last resort, and its longest stem (in characters) before `.ics`. */
const LONGEST_NAME = 100;

/** The session's title as a file name any system accepts: `Pump 7 overhaul.ics`. */
export function calendarFileName(session) {
  const stem = Array.from(
    session.title
      // Reserved on Windows or macOS, or a path separator anywhere.
      .replace(/[\u0000-\u001f\u007f"*/:<>?\\|]/g, '_')
      .replace(/\s+/g, ' ')
      // A leading dot hides the file; a trailing dot or space Windows drops.
      .replace(/^[\s.]+|[\s.]+$/g, ''),
  )
    .slice(0, LONGEST_NAME)
    .join('')
    .trim();
  return `${stem || `session-${session.id}`}.ics`;
}

/** Sessions whose file is being fetched: a second click meanwhile would download it twice. */
const fetching = new Set();

async function download(session) {
  if (fetching.has(session.id)) return;
  fetching.add(session.id);
  try {
    const response = await request('GET', `/v1/appointments/${encodeURIComponent(session.id)}.ics`);
    const link = el('a', {
      href: URL.createObjectURL(await response.blob()),
      download: calendarFileName(session),
    });
    link.click();
    // Not at once: the browser may still be reading the blob when click() returns.
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (error) {
    announce(`${session.title} could not be added to your calendar: ${error.message}`);
  } finally {
    fetching.delete(session.id);
  }
}

/** The session's "Add to calendar" button. */
export function calendarButton(session) {
  const button = el(
    'button',
    {
      type: 'button',
      className: 'secondary add-calendar',
      attrs: { 'aria-label': `Add ${session.title} to calendar` },
    },
    'Add to calendar',
  );
  button.addEventListener('click', () => void download(session));
  return button;
}
