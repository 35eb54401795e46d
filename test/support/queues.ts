import { DateTime } from 'luxon';
import { QUEUE_DEFAULTS, type Queue } from '../../src/directory/queue.js';

/**
 * A queue as the directory file gives it once validated: the pumps queue with every default of
 * QUEUE_DEFAULTS, `overrides` on top. The one place specs build a Queue, so a new queue field
 * needs a default here only.
 */
export function aQueue(overrides: Partial<Queue> = {}): Queue {
  return {
    ...QUEUE_DEFAULTS,
    id: 'pumps',
    name: 'Pumps',
    skills: ['pumps'],
    urgentRoles: ['supervisor'],
    escalation: [],
    openingHours: null,
    ...overrides,
  };
}

/**
 * Business hours (directory fields) closed now whatever the wall clock says: 08:00-17:00 every
 * day in `zone`, with yesterday, today and tomorrow (dates in `zone`, worked out now) holidays.
 * `nextOpening` is when such a queue opens: the day after tomorrow at 08:00, ISO with its offset.
 */
export function closedAroundToday(zone: string) {
  const today = DateTime.now().setZone(zone).startOf('day');
  const hours = {
    timeZone: zone,
    hours: Object.fromEntries(
      ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [day, [['08:00', '17:00']]]),
    ),
    holidays: [-1, 0, 1].map((days) => today.plus({ days }).toISODate()!),
  };
  const nextOpening = today.plus({ days: 2 }).set({ hour: 8 }).toISO()!;
  return { hours, nextOpening };
}
