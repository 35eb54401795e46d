import { DateTime, IANAZone } from 'luxon';
import { BadRequestError } from '../common/broker-error.js';

export const REPORT_BUCKETS = ['hour', 'day', 'week'] as const;
export type ReportBucket = (typeof REPORT_BUCKETS)[number];

/** More buckets than this is refused: a chart or a CSV that long helps nobody, and SQL stays small. */
export const MAX_REPORT_BUCKETS = 1000;

/** One bucket: [startsAt, endsAt) as UTC instants; `label` is its start in the report's zone. */
export interface ReportBucketRange {
  label: string;
  startsAt: string;
  endsAt: string;
}

export interface ReportRangeQuery {
  from?: string;
  to?: string;
  bucket?: string;
  timeZone?: string;
}

export interface ReportRange {
  timeZone: string;
  bucket: ReportBucket;
  /** The whole range, widened to whole buckets: the first bucket's start, the last one's end. */
  from: string;
  to: string;
  buckets: ReportBucketRange[];
}

/** A date (`2026-10-25`, a whole day in the zone) or a date-time with an offset or `Z`. */
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME_WITH_OFFSET =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function parseBound(
  name: 'from' | 'to',
  text: string | undefined,
  timeZone: string,
): { at: DateTime; dateOnly: boolean } {
  if (text === undefined || text === '')
    throw new BadRequestError(`"${name}" is required: an ISO 8601 date or date-time with offset`);
  const dateOnly = DATE_ONLY.test(text);
  if (!dateOnly && !DATE_TIME_WITH_OFFSET.test(text))
    throw new BadRequestError(
      `"${name}" ${JSON.stringify(text)} is not an ISO 8601 date (2026-10-25) or date-time with offset (2026-10-25T08:00:00+02:00)`,
    );
  const at = dateOnly
    ? DateTime.fromISO(text, { zone: timeZone })
    : DateTime.fromISO(text, { setZone: true }).setZone(timeZone);
  if (!at.isValid)
    throw new BadRequestError(
      `"${name}" ${JSON.stringify(text)} is not a valid date (${at.invalidExplanation})`,
    );
  return { at, dateOnly };
}

const unitOf = (bucket: ReportBucket) => (bucket === 'week' ? 'week' : bucket);

/**
 * The report's buckets: `from` and `to` read in `timeZone` (a date means that whole day, so
 * `to` is inclusive for a date and exclusive for a date-time), widened to whole buckets, each
 * bucket cut at the zone's local boundaries (luxon), so a day across a daylight-saving change
 * lasts 23 or 25 hours and a week starts on Monday 00:00 local time.
 */
export function reportRange(query: ReportRangeQuery): ReportRange {
  const timeZone = query.timeZone === undefined || query.timeZone === '' ? 'UTC' : query.timeZone;
  if (!IANAZone.isValidZone(timeZone))
    throw new BadRequestError(
      `"timeZone" ${JSON.stringify(timeZone)} is not an IANA time zone (e.g. Europe/Berlin)`,
    );
  const bucket = (
    query.bucket === undefined || query.bucket === '' ? 'day' : query.bucket
  ) as ReportBucket;
  if (!REPORT_BUCKETS.includes(bucket))
    throw new BadRequestError(
      `"bucket" ${JSON.stringify(query.bucket)} is not one of ${REPORT_BUCKETS.join(', ')}`,
    );
  const from = parseBound('from', query.from, timeZone);
  const to = parseBound('to', query.to, timeZone);
  const end = to.dateOnly ? to.at.plus({ days: 1 }) : to.at;
  if (end <= from.at)
    throw new BadRequestError(`"to" (${query.to}) must be after "from" (${query.from})`);
  const unit = unitOf(bucket);
  const buckets: ReportBucketRange[] = [];
  let start = from.at.startOf(unit);
  while (start < end) {
    const next = start.plus({ [`${unit}s`]: 1 }).startOf(unit);
    buckets.push({
      label: start.toISO({ suppressMilliseconds: true }) as string,
      startsAt: start.toUTC().toISO() as string,
      endsAt: next.toUTC().toISO() as string,
    });
    if (buckets.length > MAX_REPORT_BUCKETS)
      throw new BadRequestError(
        `the range holds more than ${MAX_REPORT_BUCKETS} ${bucket} buckets: shorten it or choose a longer bucket`,
      );
    start = next;
  }
  return {
    timeZone,
    bucket,
    from: buckets[0]!.startsAt,
    to: buckets[buckets.length - 1]!.endsAt,
    buckets,
  };
}
