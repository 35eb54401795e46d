import {
  BookingTimeError,
  firstClash,
  localTimeOf,
  overlaps,
  pickQueueExpert,
  sessionTimeOf,
  type BookedSlot,
} from './booking-rules.js';

// Europe/Berlin leaves winter time (+01:00) for summer time (+02:00) on Sunday 2027-03-28.
const FRIDAY_BEFORE_THE_CHANGE = Date.parse('2027-03-26T10:00:00Z');
const at = (iso: string) => Date.parse(iso);
const slot = (id: string, expertId: string, from: string, to: string): BookedSlot => ({
  id,
  expertId,
  startsAtMs: at(from),
  endsAtMs: at(to),
});

describe('sessionTimeOf', () => {
  it('books 09:00 Berlin time on the Monday after the change as 07:00 UTC, shown at +02:00', () => {
    const time = sessionTimeOf(
      '2027-03-29T09:00:00+02:00',
      'Europe/Berlin',
      30,
      FRIDAY_BEFORE_THE_CHANGE,
    );
    expect(new Date(time.startsAtMs).toISOString()).toBe('2027-03-29T07:00:00.000Z');
    expect(new Date(time.endsAtMs).toISOString()).toBe('2027-03-29T07:30:00.000Z');
    expect(localTimeOf(time.startsAtMs, 'Europe/Berlin')).toBe('2027-03-29T09:00:00+02:00');
    // The same wall-clock time the Friday before is an hour later in UTC.
    expect(localTimeOf(at('2027-03-26T08:00:00Z'), 'Europe/Berlin')).toBe(
      '2027-03-26T09:00:00+01:00',
    );
  });

  it('keeps the zone by its canonical name, as calendars know it', () => {
    const inSummer = (zone: string) =>
      sessionTimeOf('2027-03-29T09:00:00+02:00', zone, 30, FRIDAY_BEFORE_THE_CHANGE).timeZone;
    expect(inSummer('europe/berlin')).toBe('Europe/Berlin');
    expect(
      sessionTimeOf('2027-03-29T09:00:00-07:00', 'US/Pacific', 30, FRIDAY_BEFORE_THE_CHANGE)
        .timeZone,
    ).toBe('America/Los_Angeles');
  });

  it("refuses the winter offset after the change, naming the offset meant; UTC's Z is always fine", () => {
    expect(() =>
      sessionTimeOf('2027-03-29T09:00:00+01:00', 'Europe/Berlin', 30, FRIDAY_BEFORE_THE_CHANGE),
    ).toThrow(
      "startsAt's offset +01:00 is not Europe/Berlin's on that day (+02:00); for 09:00 there send 2027-03-29T09:00:00+02:00",
    );
    const utc = sessionTimeOf(
      '2027-03-29T07:00:00Z',
      'Europe/Berlin',
      30,
      FRIDAY_BEFORE_THE_CHANGE,
    );
    expect(localTimeOf(utc.startsAtMs, 'Europe/Berlin')).toBe('2027-03-29T09:00:00+02:00');
  });

  it.each([
    ['2027-03-29T09:00:00', 'Europe/Berlin', 30, 'with its offset'],
    ['2027-03-29T09:00:00+02:00', 'Mars/Olympus', 30, 'not an IANA time zone'],
    ['2027-03-29T09:00:00+02:00', 'Europe/Berlin', 4, 'durationMinutes'],
    ['2027-03-29T09:00:00+02:00', 'Europe/Berlin', 481, 'durationMinutes'],
    ['2027-03-26T10:00:00Z', 'Europe/Berlin', 30, 'in the future'],
    ['2029-03-29T09:00:00+02:00', 'Europe/Berlin', 30, 'at most 366 days ahead'],
    ['2027-02-30T09:00:00+01:00', 'Europe/Berlin', 30, 'not a date-time'],
  ])('refuses %s in %s for %i minutes (%s)', (startsAt, zone, minutes, message) => {
    const read = () => sessionTimeOf(startsAt, zone, minutes, FRIDAY_BEFORE_THE_CHANGE);
    expect(read).toThrow(BookingTimeError);
    expect(read).toThrow(message);
  });
});

describe('overlaps and firstClash', () => {
  const booked = [
    slot('late', 'erika', '2027-03-29T08:00:00Z', '2027-03-29T09:00:00Z'),
    slot('early', 'erika', '2027-03-29T07:00:00Z', '2027-03-29T07:30:00Z'),
    slot('other', 'ed', '2027-03-29T07:00:00Z', '2027-03-29T09:00:00Z'),
  ];

  it('lets sessions meet back to back, not overlap', () => {
    const next = slot('n', 'erika', '2027-03-29T07:30:00Z', '2027-03-29T08:00:00Z');
    expect(overlaps(next, booked[1])).toBe(false);
    expect(firstClash('erika', next, booked)).toBeNull();
  });

  it("names the expert's earliest clashing session, not another expert's, nor itself", () => {
    const wide = slot('w', 'erika', '2027-03-29T07:15:00Z', '2027-03-29T08:15:00Z');
    expect(firstClash('erika', wide, booked)?.id).toBe('early');
    expect(firstClash('erika', wide, booked, 'early')?.id).toBe('late');
    expect(firstClash('max', wide, booked)).toBeNull();
  });
});

describe('pickQueueExpert', () => {
  const time = {
    startsAtMs: at('2027-03-29T12:00:00Z'),
    endsAtMs: at('2027-03-29T12:30:00Z'),
    timeZone: 'Europe/Berlin',
  };

  it('takes the expert with the fewest sessions that day, then the lowest id', () => {
    const booked = [
      slot('a', 'anna', '2027-03-29T07:00:00Z', '2027-03-29T07:30:00Z'),
      slot('b', 'anna', '2027-03-29T08:00:00Z', '2027-03-29T08:30:00Z'),
      slot('c', 'bert', '2027-03-29T07:00:00Z', '2027-03-29T07:30:00Z'),
      // The day before and after (Berlin time) do not count.
      slot('d', 'cleo', '2027-03-28T21:00:00Z', '2027-03-28T21:30:00Z'),
      slot('e', 'cleo', '2027-03-29T22:00:00Z', '2027-03-29T22:30:00Z'),
    ];
    expect(pickQueueExpert(['anna', 'bert', 'cleo'], time, booked)).toBe('cleo');
    expect(pickQueueExpert(['anna', 'bert'], time, booked)).toBe('bert');
    expect(pickQueueExpert(['bert', 'anna'], time, booked.slice(0, 2))).toBe('bert');
  });

  it('skips experts busy in the slot; nobody free: null', () => {
    const busy = [slot('x', 'anna', '2027-03-29T12:15:00Z', '2027-03-29T13:00:00Z')];
    expect(pickQueueExpert(['anna', 'bert'], time, busy)).toBe('bert');
    expect(pickQueueExpert(['anna'], time, busy)).toBeNull();
    expect(pickQueueExpert([], time, [])).toBeNull();
  });
});
