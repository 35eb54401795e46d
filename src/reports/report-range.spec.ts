import { BadRequestError } from '../common/broker-error.js';
import { MAX_REPORT_BUCKETS, reportRange } from './report-range.js';

const hours = (bucket: { startsAt: string; endsAt: string }) =>
  (Date.parse(bucket.endsAt) - Date.parse(bucket.startsAt)) / 3_600_000;

describe('reportRange', () => {
  it('reads dates as whole days in the time zone, `to` inclusive', () => {
    const range = reportRange({ from: '2026-11-02', to: '2026-11-03', timeZone: 'Europe/Berlin' });
    expect(range.buckets).toEqual([
      {
        label: '2026-11-02T00:00:00+01:00',
        startsAt: '2026-11-01T23:00:00.000Z',
        endsAt: '2026-11-02T23:00:00.000Z',
      },
      {
        label: '2026-11-03T00:00:00+01:00',
        startsAt: '2026-11-02T23:00:00.000Z',
        endsAt: '2026-11-03T23:00:00.000Z',
      },
    ]);
    expect(range).toMatchObject({
      from: '2026-11-01T23:00:00.000Z',
      to: '2026-11-03T23:00:00.000Z',
    });
  });

  it('gives the day the clocks go back 25 hours and the day they go forward 23', () => {
    const autumn = reportRange({ from: '2026-10-25', to: '2026-10-25', timeZone: 'Europe/Berlin' });
    expect(autumn.buckets.map(hours)).toEqual([25]);
    const spring = reportRange({ from: '2026-03-29', to: '2026-03-29', timeZone: 'Europe/Berlin' });
    expect(spring.buckets.map(hours)).toEqual([23]);
    const byHour = reportRange({
      from: '2026-10-25',
      to: '2026-10-25',
      bucket: 'hour',
      timeZone: 'Europe/Berlin',
    });
    expect(byHour.buckets).toHaveLength(25);
    expect(byHour.buckets[2]!.label).toBe('2026-10-25T02:00:00+02:00');
    expect(byHour.buckets[3]!.label).toBe('2026-10-25T02:00:00+01:00');
  });

  it('widens a date-time range to whole buckets; weeks start on Monday', () => {
    const range = reportRange({
      from: '2026-11-04T10:30:00Z',
      to: '2026-11-12T08:00:00+01:00',
      bucket: 'week',
      timeZone: 'UTC',
    });
    expect(range.buckets.map((bucket) => bucket.label)).toEqual([
      '2026-11-02T00:00:00Z',
      '2026-11-09T00:00:00Z',
    ]);
  });

  it.each([
    [{ to: '2026-11-02' }, '"from" is required'],
    [{ from: '2026-11-02' }, '"to" is required'],
    [{ from: '2026-13-02', to: '2026-11-02' }, 'not a valid date'],
    [{ from: '2026-11-02T10:00:00', to: '2026-11-03' }, 'date-time with offset'],
    [{ from: 'yesterday', to: '2026-11-03' }, 'not an ISO 8601 date'],
    [{ from: '2026-11-03', to: '2026-11-02' }, 'must be after'],
    [{ from: '2026-11-03T10:00:00Z', to: '2026-11-03T10:00:00Z' }, 'must be after'],
    [{ from: '2026-11-02', to: '2026-11-03', timeZone: 'Mars/Olympus' }, 'not an IANA time zone'],
    [{ from: '2026-11-02', to: '2026-11-03', bucket: 'month' }, '"bucket"'],
    [{ from: '2026-01-01', to: '2026-03-01', bucket: 'hour' }, `more than ${MAX_REPORT_BUCKETS}`],
  ])('refuses %j with a 400 that says why', (query, message) => {
    expect(() => reportRange(query)).toThrow(BadRequestError);
    expect(() => reportRange(query)).toThrow(message);
  });
});
