import type {
  DayRange,
  OnCallOverride,
  OpeningHours,
  RotaShift,
  Weekday,
} from '../../src/directory/opening-hours.js';

/** "08:00" → minutes after midnight. */
const minuteOf = (time: string): number => {
  const [hours, minutes] = time.split(':').map(Number);
  return hours * 60 + minutes;
};

/** A day range from wall-clock times: `range('08:00', '17:00')`. */
export const range = (from: string, to: string): DayRange => ({
  startMinute: minuteOf(from),
  endMinute: minuteOf(to),
});

const DAY_INDEX: Record<Weekday, number> = {
  mon: 0,
  tue: 1,
  wed: 2,
  thu: 3,
  fri: 4,
  sat: 5,
  sun: 6,
};

/** A rota shift from week times: `shift('max', 'sun 22:00', 'mon 06:00')`. */
export const shift = (expertId: string, from: string, to: string): RotaShift => {
  const weekMinute = (at: string) => {
    const [day, time] = at.split(' ');
    return DAY_INDEX[day as Weekday] * 1440 + minuteOf(time);
  };
  return { expertId, fromMinute: weekMinute(from), toMinute: weekMinute(to) };
};

export const override = (expertId: string, from: string, to: string): OnCallOverride => ({
  expertId,
  from,
  to,
});

/** Plain opening hours: closed every day unless `weekly` says otherwise; no rota. */
export function openingHours(
  fields: Omit<Partial<OpeningHours>, 'weekly'> & {
    weekly?: Partial<Record<Weekday, DayRange[]>>;
  } = {},
): OpeningHours {
  return {
    timeZone: 'UTC',
    holidays: [],
    outsideHours: 'closed',
    onCall: { rota: [], overrides: [] },
    ...fields,
    weekly: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [], ...fields.weekly },
  };
}

/** Monday to Friday, the same ranges each day. */
export function weekdays(...ranges: DayRange[]): Partial<Record<Weekday, DayRange[]>> {
  return { mon: ranges, tue: ranges, wed: ranges, thu: ranges, fri: ranges };
}
