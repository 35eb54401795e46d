import {
  aBookedSession,
  cancelledSession,
  movedSession,
} from '../../test/support/appointment-records.js';
import { peopleDirectory } from '../../test/support/calls-stack.js';
import type { PagingRule } from '../notifications/channels-document.js';
import { localStart, sessionPages, sessionRules } from './session-pages.js';

const directory = peopleDirectory();
const NOW = Date.parse('2026-11-23T12:00:00.000Z');
const context = (rules: PagingRule[]) => ({
  rules,
  // Erika is left out: someone the directory lost is mentioned by id.
  person: (id: string) => (id === 'erika' ? undefined : directory.find(id)),
  linked: false,
  nowMs: NOW,
});
const all: PagingRule = {
  queue: '*',
  channel: 'ops',
  on: ['booked', 'reminder', 'cancelled'],
  reminderMinutes: 15,
};

describe('session pages', () => {
  it('writes the start in the session’s zone with that day’s offset (summer and winter time)', () => {
    expect(localStart('2027-03-29T07:00:00.000Z', 'Europe/Berlin')).toBe(
      'Mon 29 Mar 2027, 09:00 Europe/Berlin (UTC+02:00)',
    );
    expect(localStart('2027-03-26T08:00:00.000Z', 'Europe/Berlin')).toBe(
      'Fri 26 Mar 2027, 09:00 Europe/Berlin (UTC+01:00)',
    );
  });

  it('takes the rules of the session’s queue and "*" rules; a named expert’s session only "*"', () => {
    const rules: PagingRule[] = [
      { queue: 'pumps', channel: 'a', on: ['booked'] },
      { queue: '*', channel: 'b', on: ['booked'] },
      { queue: 'valves', channel: 'c', on: ['booked'] },
      { queue: '*', channel: 'd', on: ['cancelled'] },
    ];
    const channels = (queueId: string | null) =>
      sessionRules(rules, aBookedSession({ queueId }), 'booked').map(({ rule }) => rule.channel);
    expect(channels('pumps')).toEqual(['a', 'b']);
    expect(channels(null)).toEqual(['b']);
  });

  it('books: a booked row now and a reminder row due reminderMinutes before, expiring at the start', () => {
    const session = aBookedSession({ startsAt: '2026-11-23T13:00:00.000Z' });
    const pages = sessionPages({ kind: 'booked', appointment: session }, context([all]));
    expect(
      pages.map(({ message, dueAt }) => [message.eventType, message.seq, dueAt, message.expiresAt]),
    ).toEqual([
      ['page.booked', 0, undefined, undefined],
      ['page.reminder', 0, '2026-11-23T12:45:00.000Z', '2026-11-23T13:00:00.000Z'],
    ]);
    expect(pages.map(({ message }) => message.id)).toEqual([
      `page_${session.id}.0.b0`,
      `page_${session.id}.0.r0`,
    ]);
  });

  it('words a move with both times, at the new sequence; a cancel pages cancelled only', () => {
    const session = aBookedSession({ startsAt: '2026-11-23T13:00:00.000Z' });
    const later = movedSession(session, '2026-11-24T13:00:00.000Z');
    const [moved, reminder] = sessionPages(
      { kind: 'moved', appointment: later, before: session },
      context([all]),
    );
    expect(JSON.parse(moved.message.payload)).toMatchObject({
      title: 'Session moved: Pump 7 overhaul',
      lines: [
        'The session with Tom Technician moved to Tue 24 Nov 2026, 14:00 Europe/Berlin (UTC+01:00), 30 min.',
        'It was on Mon 23 Nov 2026, 14:00 Europe/Berlin (UTC+01:00).',
      ],
      mentions: [{ id: 'erika', displayName: 'erika' }],
      links: [],
    });
    expect([moved.message.seq, reminder.message.seq, reminder.dueAt]).toEqual([
      1,
      1,
      '2026-11-24T12:45:00.000Z',
    ]);
    const cancelled = sessionPages(
      { kind: 'cancelled', appointment: cancelledSession(later) },
      context([all]),
    );
    expect(cancelled.map(({ message }) => [message.eventType, message.seq])).toEqual([
      ['page.cancelled', 2],
    ]);
  });
});
