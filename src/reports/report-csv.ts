import { stringify } from 'csv-stringify';
import type { Writable } from 'node:stream';
import type { Report, ReportRow } from './reports.service.js';

/** The CSV columns, in order: the row's keys as docs/api.md names them. */
export const REPORT_CSV_COLUMNS: (keyof ReportRow)[] = [
  'bucket',
  'bucketStart',
  'bucketEnd',
  'id',
  'name',
  'requests',
  'answered',
  'abandoned',
  'unanswered',
  'missed',
  'averageSpeedOfAnswerSeconds',
  'p90SpeedOfAnswerSeconds',
  'serviceLevelPercent',
  'averageTalkSeconds',
  'averageAfterCallWorkSeconds',
  'firstTimeFixPercent',
  'averageRating',
  'ratings',
];

/**
 * Streams the report's rows as CSV (RFC 4180, a header line, empty cells for figures that do not
 * exist) into `out`, through csv-stringify, so a long report is never one string in memory twice
 * and its cells are quoted where a name holds a comma or a quote.
 */
export function writeReportCsv(report: Report, out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const csv = stringify({ header: true, columns: REPORT_CSV_COLUMNS as string[] });
    csv.on('error', reject);
    out.on('error', reject);
    out.on('finish', () => resolve());
    csv.pipe(out);
    for (const row of report.rows) csv.write(row);
    csv.end();
  });
}
