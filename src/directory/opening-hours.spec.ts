import {
  openingHours,
  override,
  range,
  shift,
  weekdays,
} from '../../test/support/opening-hours.js';
import { hoursAnswer, isOpen, nextOpening, onCallExpert } from './opening-hours.js';

const at = (iso: string): number => Date.parse(iso);
const berlinOffice = {
  openingHours: openingHours({
    timeZone: 'Europe/Berlin',
    weekly: weekdays(range('08:00', '17:00')),
    holidays: ['2026-12-24', '2026-12-25'],
  }),
};

describe('opening hours', () => {
  it('a queue without hours is always open and has nobody on call', () => {
    expect(isOpen({}, at('2026-12-06T03:00:00Z'))).toBe(true);
    expect(isOpen({ openingHours: null }, at('2026-12-06T03:00:00Z'))).toBe(true);
    expect(nextOpening({}, at('2026-12-06T03:00:00Z'))).toBe('2026-12-06T03:00:00.000Z');
    expect(onCallExpert({}, at('2026-12-06T03:00:00Z'))).toBeUndefined();
  });

  it('reads the hours in the queue zone: open 08:00 to 17:00 Berlin time, not UTC', () => {
    // 2026-12-07 is a Monday; Berlin is UTC+1 in winter.
    expect(isOpen(berlinOffice, at('2026-12-07T06:59:00Z'))).toBe(false);
    expect(isOpen(berlinOffice, at('2026-12-07T07:00:00Z'))).toBe(true);
    expect(isOpen(berlinOffice, at('2026-12-07T15:59:59Z'))).toBe(true);
    expect(isOpen(berlinOffice, at('2026-12-07T16:00:00Z'))).toBe(false);
    expect(nextOpening(berlinOffice, at('2026-12-07T12:00:00Z'))).toBe(
      '2026-12-07T13:00:00.000+01:00',
    );
  });

  it('spring forward: Friday evening before the change opens on Monday at 08:00 summer time', () => {
    // Clocks go from 02:00 CET to 03:00 CEST on Sunday 2026-03-29.
    expect(nextOpening(berlinOffice, at('2026-03-27T16:30:00Z'))).toBe(
      '2026-03-30T08:00:00.000+02:00',
    );
    expect(isOpen(berlinOffice, at('2026-03-30T05:59:00Z'))).toBe(false);
    expect(isOpen(berlinOffice, at('2026-03-30T06:00:00Z'))).toBe(true);
    // The week before the change, 06:00Z was still 07:00 in Berlin: closed.
    expect(isOpen(berlinOffice, at('2026-03-23T06:00:00Z'))).toBe(false);
  });

  it('spring forward: an opening time the change skips opens at the first minute after it', () => {
    const night = {
      openingHours: openingHours({
        timeZone: 'Europe/Berlin',
        weekly: { sun: [range('02:30', '04:00')] },
      }),
    };
    expect(nextOpening(night, at('2026-03-29T00:30:00Z'))).toBe('2026-03-29T03:30:00.000+02:00');
  });

  it('fall back: Friday evening opens on Monday at 08:00 winter time; the doubled hour counts twice', () => {
    // Clocks go from 03:00 CEST back to 02:00 CET on Sunday 2026-10-25.
    expect(nextOpening(berlinOffice, at('2026-10-23T15:30:00Z'))).toBe(
      '2026-10-26T08:00:00.000+01:00',
    );
    expect(isOpen(berlinOffice, at('2026-10-26T06:30:00Z'))).toBe(false);
    expect(isOpen(berlinOffice, at('2026-10-26T07:00:00Z'))).toBe(true);
    const rota = {
      openingHours: openingHours({
        timeZone: 'Europe/Berlin',
        onCall: { rota: [shift('max', 'sun 02:00', 'sun 03:00')], overrides: [] },
      }),
    };
    // 02:30 local happens at 00:30Z (summer time) and again at 01:30Z (winter time).
    expect(onCallExpert(rota, at('2026-10-25T00:30:00Z'))).toBe('max');
    expect(onCallExpert(rota, at('2026-10-25T01:30:00Z'))).toBe('max');
    expect(onCallExpert(rota, at('2026-10-25T02:30:00Z'))).toBeUndefined();
  });

  it('a holiday is closed all day and skipped to the next working day', () => {
    // Thursday 2026-12-24 and Friday the 25th are holidays; the weekend is closed.
    expect(isOpen(berlinOffice, at('2026-12-24T10:00:00Z'))).toBe(false);
    expect(isOpen(berlinOffice, at('2026-12-23T10:00:00Z'))).toBe(true);
    expect(nextOpening(berlinOffice, at('2026-12-23T17:00:00Z'))).toBe(
      '2026-12-28T08:00:00.000+01:00',
    );
  });

  it('finds nothing to open when every day ahead is a holiday', () => {
    const holidays = Array.from({ length: 420 }, (_, day) =>
      new Date(at('2026-12-01T00:00:00Z') + day * 86_400_000).toISOString().slice(0, 10),
    );
    const never = {
      openingHours: openingHours({ weekly: weekdays(range('08:00', '17:00')), holidays }),
    };
    expect(nextOpening(never, at('2026-12-07T10:00:00Z'))).toBeNull();
  });

  it('the week wraps: Sunday night to Monday morning, for the hours and the rota', () => {
    const queue = {
      openingHours: openingHours({
        timeZone: 'Europe/Berlin',
        weekly: weekdays(range('08:00', '17:00')),
        onCall: {
          rota: [shift('max', 'sun 22:00', 'mon 06:00'), shift('erika', 'mon 06:00', 'sun 22:00')],
          overrides: [],
        },
      }),
    };
    // Sunday 2026-12-06 23:30 Berlin.
    expect(nextOpening(queue, at('2026-12-06T22:30:00Z'))).toBe('2026-12-07T08:00:00.000+01:00');
    expect(onCallExpert(queue, at('2026-12-06T22:30:00Z'))).toBe('max');
    expect(onCallExpert(queue, at('2026-12-07T04:59:00Z'))).toBe('max'); // Monday 05:59
    expect(onCallExpert(queue, at('2026-12-07T05:00:00Z'))).toBe('erika'); // Monday 06:00
    expect(onCallExpert(queue, at('2026-12-06T20:59:00Z'))).toBe('erika'); // Sunday 21:59
  });

  it('an override beats the rota for its range, then the rota is back', () => {
    const queue = {
      openingHours: openingHours({
        timeZone: 'Europe/Berlin',
        onCall: {
          rota: [shift('max', 'mon 00:00', 'sun 24:00')],
          overrides: [override('erika', '2026-12-24T17:00', '2026-12-27T08:00')],
        },
      }),
    };
    expect(onCallExpert(queue, at('2026-12-24T15:59:00Z'))).toBe('max');
    expect(onCallExpert(queue, at('2026-12-24T16:00:00Z'))).toBe('erika');
    expect(onCallExpert(queue, at('2026-12-27T06:59:00Z'))).toBe('erika');
    expect(onCallExpert(queue, at('2026-12-27T07:00:00Z'))).toBe('max');
  });

  it('nobody is on call in a gap of the rota', () => {
    const queue = {
      openingHours: openingHours({
        onCall: { rota: [shift('max', 'sat 00:00', 'sun 00:00')], overrides: [] },
      }),
    };
    expect(onCallExpert(queue, at('2026-12-05T12:00:00Z'))).toBe('max'); // Saturday
    expect(onCallExpert(queue, at('2026-12-06T12:00:00Z'))).toBeUndefined(); // Sunday
  });

  it("reads an override in its queue's own zone, even when two queues share the object", () => {
    const holidayCover = override('erika', '2026-12-24T17:00', '2026-12-24T18:00');
    const inZone = (timeZone: string) => ({
      openingHours: openingHours({ timeZone, onCall: { rota: [], overrides: [holidayCover] } }),
    });
    const berlin = inZone('Europe/Berlin');
    const newYork = inZone('America/New_York');
    // 17:30 in Berlin is 16:30Z; 17:30 in New York is 22:30Z. Asked in turn, each zone is its own.
    for (let round = 0; round < 2; round++) {
      expect(onCallExpert(berlin, at('2026-12-24T16:30:00Z'))).toBe('erika');
      expect(onCallExpert(newYork, at('2026-12-24T16:30:00Z'))).toBeUndefined();
      expect(onCallExpert(newYork, at('2026-12-24T22:30:00Z'))).toBe('erika');
      expect(onCallExpert(berlin, at('2026-12-24T22:30:00Z'))).toBeUndefined();
    }
  });
});

describe('hoursAnswer: what a new request gets', () => {
  const onCallQueue = (rota: ReturnType<typeof shift>[]) => ({
    openingHours: openingHours({
      timeZone: 'Europe/Berlin',
      weekly: weekdays(range('08:00', '17:00')),
      outsideHours: 'on_call',
      onCall: { rota, overrides: [] },
    }),
  });

  it('open: queued as always; no hours is always open', () => {
    expect(hoursAnswer(berlinOffice, at('2026-12-07T10:00:00Z'))).toEqual({ kind: 'open' });
    expect(hoursAnswer({}, at('2026-12-06T03:00:00Z'))).toEqual({ kind: 'open' });
  });

  it('closed outside hours, with the next opening', () => {
    expect(hoursAnswer(berlinOffice, at('2026-12-06T03:00:00Z'))).toEqual({
      kind: 'closed',
      nextOpensAt: '2026-12-07T08:00:00.000+01:00',
    });
  });

  it('on_call: the expert on call now; nobody on call answers like closed', () => {
    const queue = onCallQueue([shift('max', 'sat 00:00', 'mon 00:00')]);
    expect(hoursAnswer(queue, at('2026-12-06T03:00:00Z'))).toEqual({
      kind: 'on_call',
      expertId: 'max',
    });
    expect(hoursAnswer(queue, at('2026-12-07T20:00:00Z'))).toEqual({
      kind: 'closed',
      nextOpensAt: '2026-12-08T08:00:00.000+01:00',
    });
  });
});
