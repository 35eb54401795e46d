import { DirectoryError, parseDirectory } from './directory-file.js';
import { parseQueues } from './queue-file.js';

const xassist = (userDbId: number) => ({ userId: `u${userDbId}`, userDbId, domain: 'acme' });
const people = [
  { id: 'tom', displayName: 'Tom', roles: ['technician'], xassist: xassist(1) },
  { id: 'erika', displayName: 'Erika', roles: ['expert'], skills: ['pumps'], xassist: xassist(2) },
  { id: 'max', displayName: 'Max', roles: ['expert'], skills: ['pumps'], xassist: xassist(3) },
];
const parse = (fields: object) => {
  const file = { people, queues: [{ id: 'pumps', ...fields }] };
  return parseQueues(file, parseDirectory(file))[0];
};
const mistakesOf = (fields: object): string[] => {
  try {
    parse(fields);
  } catch (error) {
    expect(error).toBeInstanceOf(DirectoryError);
    return (error as Error).message.split('\n');
  }
  throw new Error('no mistake was reported');
};
const officeHours = {
  mon: [
    ['08:00', '12:00'],
    ['13:00', '17:00'],
  ],
  fri: [['08:00', '24:00']],
};

describe("a queue's hours in the directory file", () => {
  it('reads hours, holidays and an on-call rota with an override, in the queue zone', () => {
    const queue = parse({
      timeZone: 'Europe/Berlin',
      hours: officeHours,
      holidays: ['2026-12-24'],
      outsideHours: 'on_call',
      onCall: {
        rota: [
          { expertId: 'max', from: 'fri 24:00', to: 'mon 08:00' },
          { expertId: 'erika', from: 'mon 17:00', to: 'fri 08:00' },
        ],
        overrides: [{ expertId: 'erika', from: '2026-12-24T00:00', to: '2026-12-27T00:00' }],
      },
    });
    expect(queue.openingHours).toEqual({
      timeZone: 'Europe/Berlin',
      weekly: {
        mon: [
          { startMinute: 480, endMinute: 720 },
          { startMinute: 780, endMinute: 1020 },
        ],
        tue: [],
        wed: [],
        thu: [],
        fri: [{ startMinute: 480, endMinute: 1440 }],
        sat: [],
        sun: [],
      },
      holidays: ['2026-12-24'],
      outsideHours: 'on_call',
      onCall: {
        rota: [
          { expertId: 'max', fromMinute: 7200, toMinute: 480 },
          { expertId: 'erika', fromMinute: 1020, toMinute: 6240 },
        ],
        overrides: [{ expertId: 'erika', from: '2026-12-24T00:00', to: '2026-12-27T00:00' }],
      },
    });
  });

  it('defaults: UTC, no holidays, closed outside hours; no hours at all is always open', () => {
    expect(parse({ hours: { sat: [['10:00', '12:00']] } }).openingHours).toMatchObject({
      timeZone: 'UTC',
      holidays: [],
      outsideHours: 'closed',
      onCall: { rota: [], overrides: [] },
    });
    expect(parse({}).openingHours).toBeNull();
  });

  it('names every mistake on its own line', () => {
    expect(
      mistakesOf({
        timeZone: 'Europe/Atlantis',
        hours: {
          mon: [
            ['08:00', '12:00'],
            ['11:00', '17:00'],
          ],
          tue: [['17:00', '08:00']],
          wed: [['8:00', '12:00']],
          sunday: [],
        },
        holidays: ['2026-02-30', 'xmas'],
        outsideHours: 'voicemail',
      }),
    ).toEqual([
      'queue "pumps": "timeZone" "Europe/Atlantis" is not an IANA time zone (like "Europe/Berlin")',
      'queue "pumps" hours.mon: has ranges that overlap; give each time of the day once',
      'queue "pumps" hours.tue[0]: ["17:00","08:00"] ends before it starts; split a night at 24:00',
      'queue "pumps" hours.wed[0]: ["8:00","12:00"] is not ["HH:MM", "HH:MM"] (00:00 to 24:00)',
      'queue "pumps": "hours" has "sunday"; use days of mon, tue, wed, thu, fri, sat, sun',
      'queue "pumps": "holidays" has "2026-02-30", not a date "YYYY-MM-DD"',
      'queue "pumps": "holidays" has "xmas", not a date "YYYY-MM-DD"',
      'queue "pumps": "outsideHours" is "voicemail"; use one of closed, on_call',
    ]);
  });

  it('refuses a rota with unknown experts, bad week times and overlapping shifts', () => {
    expect(
      mistakesOf({
        hours: officeHours,
        outsideHours: 'on_call',
        onCall: {
          rota: [
            { expertId: 'ghost', from: 'mon 17:00', to: 'tue 08:00' },
            { expertId: 'tom', from: 'mon 17:00', to: 'tue 08:00' },
            { expertId: 'max', from: 'sun 20:00', to: 'mon 09:00' },
            { expertId: 'erika', from: 'mon 08:30', to: 'mon 10:00' },
            { expertId: 'erika', from: 'someday', to: 'tue 25:00' },
          ],
          overrides: [
            { expertId: 'erika', from: '2026-12-24T00:00', to: '2026-12-26T00:00' },
            { expertId: 'max', from: '2026-12-25T00:00', to: '2026-12-27T00:00' },
            { expertId: 'max', from: '2026-12-31T10:00', to: '2026-12-31T09:00' },
            { expertId: 'max', from: '2026-12-31 10:00', to: '2026-12-31T12:00+01:00' },
          ],
        },
      }),
    ).toEqual([
      'queue "pumps" onCall.rota[0]: "expertId" "ghost" is not an expert in "people"',
      'queue "pumps" onCall.rota[1]: "expertId" "tom" is not an expert in "people"',
      'queue "pumps" onCall.rota[4]: "from" "someday" is not a week time like "mon 17:00"',
      'queue "pumps" onCall.rota[4]: "to" "tue 25:00" is not a week time like "mon 17:00"',
      'queue "pumps" onCall.rota[3]: overlaps a shift before it (max)',
      'queue "pumps" onCall.overrides[2]: "to" is not after "from"',
      'queue "pumps" onCall.overrides[3]: "from" "2026-12-31 10:00" is not a local time "YYYY-MM-DDTHH:MM"',
      'queue "pumps" onCall.overrides[3]: "to" "2026-12-31T12:00+01:00" is not a local time "YYYY-MM-DDTHH:MM"',
      'queue "pumps" onCall.overrides[1]: overlaps an override before it (erika)',
    ]);
  });

  it('refuses fields that do nothing: hours-less settings, an unused rota, on_call with nobody', () => {
    expect(mistakesOf({ timeZone: 'Europe/Berlin', holidays: ['2026-12-24'] })).toEqual([
      'queue "pumps": "timeZone", "holidays" need "hours" (without them the queue is always open)',
    ]);
    expect(
      mistakesOf({
        hours: officeHours,
        onCall: { rota: [{ expertId: 'max', from: 'mon 00:00', to: 'sun 24:00' }] },
      }),
    ).toEqual(['queue "pumps": "onCall" is never used: "outsideHours" is not "on_call"']);
    expect(mistakesOf({ hours: officeHours, outsideHours: 'on_call' })).toEqual([
      'queue "pumps": "outsideHours" is "on_call" but "onCall" names nobody; give a rota',
    ]);
    expect(mistakesOf({ hours: {} })).toEqual([
      'queue "pumps": "hours" never opens; give at least one range, or leave "hours" out',
    ]);
    expect(
      mistakesOf({
        hours: officeHours,
        outsideHours: 'on_call',
        onCall: { rota: [{ expertId: 'max', from: 'mon 08:00', to: 'mon 08:00', at: 1 }] },
      }),
    ).toEqual([
      'queue "pumps" onCall.rota[0]: unknown field "at" (known: expertId, from, to)',
      'queue "pumps" onCall.rota[0]: "from" and "to" are the same time; a whole week is "mon 00:00" to "sun 24:00"',
    ]);
  });
});
