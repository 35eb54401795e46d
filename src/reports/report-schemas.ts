/** The report answers (docs/api.md, "Reports"). */
import { instant, orNull, type JsonSchema } from '../openapi/json-schema.js';
import { REPORT_CSV_COLUMNS } from './report-csv.js';
import { REPORT_BUCKETS } from './report-range.js';

const count = (description: string): JsonSchema => ({ type: 'integer', minimum: 0, description });
const figure = (description: string): JsonSchema => orNull({ type: 'number', description });

const ReportRow: JsonSchema = {
  type: 'object',
  description:
    'The figures of one bucket for one queue (or expert); null where nothing was measured.',
  // Every field, named once: the CSV's columns are the row's fields in order.
  required: [...REPORT_CSV_COLUMNS],
  properties: {
    bucket: {
      type: 'string',
      description: "The bucket's start in the report's time zone, with its offset.",
    },
    bucketStart: instant("The bucket's start (UTC)"),
    bucketEnd: instant("The bucket's end, exclusive (UTC)"),
    id: { type: 'string', description: "The queue's or the expert's id." },
    name: { type: 'string', description: "The queue's name or the expert's display name." },
    requests: count('Calls created in the bucket.'),
    answered: count('Of those, the ones an expert joined (missed included).'),
    abandoned: count('Cancelled before an expert joined.'),
    unanswered: count('Ended unanswered: nobody accepted or joined in time.'),
    missed: count('An expert joined but the technician did not.'),
    averageSpeedOfAnswerSeconds: figure('From the request to the expert joining, over answered.'),
    p90SpeedOfAnswerSeconds: figure('Nearest-rank 90th percentile of the speed of answer.'),
    serviceLevelPercent: figure(
      "Requests answered within the queue's serviceLevelSeconds, in percent of requests.",
    ),
    averageTalkSeconds: figure('From connected to ended.'),
    averageAfterCallWorkSeconds: figure(
      'wrap_up time after ended calls of queues with wrapUpSeconds.',
    ),
    firstTimeFixPercent: figure('Wrap-ups with firstTimeFix, in percent of wrap-ups.'),
    averageRating: figure("The technicians' ratings, 1-5."),
    ratings: count('How many ratings the average is of.'),
  },
};

const report = (subject: string): JsonSchema => ({
  type: 'object',
  required: ['subject', 'timeZone', 'bucket', 'from', 'to', 'rows'],
  properties: {
    subject: { type: 'string', enum: [subject] },
    timeZone: { type: 'string', description: 'The IANA time zone of the buckets.' },
    bucket: { type: 'string', enum: [...REPORT_BUCKETS] },
    from: instant("The first bucket's start (the range widened to whole buckets)"),
    to: instant("The last bucket's end, exclusive"),
    rows: {
      type: 'array',
      description: `One row per bucket and ${subject}, buckets in order, zeros included.`,
      items: { $ref: '#/components/schemas/ReportRow' },
    },
  },
});

export const REPORT_SCHEMAS = {
  ReportRow,
  QueueReport: report('queue'),
  ExpertReport: report('expert'),
} satisfies Record<string, JsonSchema>;
