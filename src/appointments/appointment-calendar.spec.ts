import type { AppointmentView } from './appointment.model.js';
import { appointmentCalendar } from './appointment-calendar.js';

/** Monday 30 November 2026, 09:00 in Berlin (UTC+1, after the autumn change): 08:00Z. */
const SESSION: AppointmentView = {
  id: '0d7b4a4e-7f0a-4a57-9a64-2f4b7c1d9e01',
  status: 'booked',
  title: 'Pump 7: replace the seal',
  technician: { id: 'tom', displayName: 'Tom Technician' },
  expert: { id: 'erika', displayName: 'Erika Expert' },
  queueId: 'pumps',
  startsAt: '2026-11-30T08:00:00.000Z',
  endsAt: '2026-11-30T08:45:00.000Z',
  localStartsAt: '2026-11-30T09:00:00.000+01:00',
  durationMinutes: 45,
  timeZone: 'Europe/Berlin',
  callId: '5b0c9a52-1d6e-4f7e-8a43-0c2f9d1e7a11',
  sequence: 0,
  cancelReason: null,
  createdAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-20T10:00:00.000Z',
};

/** The unfolded content lines of an iCalendar text (RFC 5545 folds at 75 octets). */
const lines = (text: string) => text.replace(/\r\n[ \t]/g, '').split('\r\n');
/** The event's own lines named `name` (the VTIMEZONE has a DTSTART of its own). */
const field = (text: string, name: string) => {
  const all = lines(text);
  return all
    .slice(all.indexOf('BEGIN:VEVENT'), all.indexOf('END:VEVENT'))
    .filter((line) => line.startsWith(`${name}:`) || line.startsWith(`${name};`));
};

describe('appointmentCalendar: a booked session as an iCalendar event', () => {
  it('starts and ends in the booking time zone, with that zone described (VTIMEZONE)', () => {
    const text = appointmentCalendar(SESSION, 'https://broker.acme.example');
    expect(field(text, 'DTSTART')).toEqual(['DTSTART;TZID=Europe/Berlin:20261130T090000']);
    expect(field(text, 'DTEND')).toEqual(['DTEND;TZID=Europe/Berlin:20261130T094500']);
    expect(lines(text)).toEqual(
      expect.arrayContaining(['BEGIN:VTIMEZONE', 'TZID:Europe/Berlin', 'TZOFFSETTO:+0100']),
    );
    // RFC 5545: the stamp is UTC whatever the event's zone.
    expect(field(text, 'DTSTAMP')).toEqual(['DTSTAMP:20261120T100000Z']);
    expect(field(text, 'SUMMARY')).toEqual(['SUMMARY:Pump 7: replace the seal']);
    expect(field(text, 'STATUS')).toEqual(['STATUS:CONFIRMED']);
    expect(field(text, 'URL')[0]).toContain('https://broker.acme.example/');
    expect(text.endsWith('END:VCALENDAR')).toBe(true);
  });

  it('keeps its UID across moves and counts them in SEQUENCE; a cancel says CANCELLED', () => {
    const first = appointmentCalendar(SESSION, undefined);
    const moved = appointmentCalendar(
      {
        ...SESSION,
        sequence: 1,
        startsAt: '2026-12-01T08:00:00.000Z',
        endsAt: '2026-12-01T08:45:00.000Z',
      },
      undefined,
    );
    const cancelled = appointmentCalendar(
      { ...SESSION, sequence: 2, status: 'cancelled' },
      undefined,
    );
    const uid = field(first, 'UID');
    expect(uid).toHaveLength(1);
    expect(field(moved, 'UID')).toEqual(uid);
    expect(field(cancelled, 'UID')).toEqual(uid);
    expect(field(first, 'SEQUENCE')).toEqual(['SEQUENCE:0']);
    expect(field(moved, 'SEQUENCE')).toEqual(['SEQUENCE:1']);
    expect(field(moved, 'DTSTART')).toEqual(['DTSTART;TZID=Europe/Berlin:20261201T090000']);
    expect(field(cancelled, 'STATUS')).toEqual(['STATUS:CANCELLED']);
    expect(field(first, 'URL')).toEqual([]);
  });

  it('falls back to UTC times for a zone it has no description of', () => {
    const text = appointmentCalendar({ ...SESSION, timeZone: 'Etc/GMT-14' }, undefined);
    expect(field(text, 'DTSTART')).toEqual(['DTSTART:20261130T080000Z']);
    expect(lines(text)).not.toContain('BEGIN:VTIMEZONE');
  });
});
