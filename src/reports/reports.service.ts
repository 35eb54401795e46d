import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { ForbiddenError } from '../common/broker-error.js';
import { DATABASE } from '../database/database.module.js';
import type { BrokerDatabase } from '../database/schema.js';
import { DirectoryService, hasRole } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import { reportAggregates, type ReportAggregate, type ReportSubject } from './report-query.js';
import { reportRange, type ReportRange, type ReportRangeQuery } from './report-range.js';

/** The figures of one bucket for one queue or expert (docs/api.md, "Reports"). */
export interface ReportFigures {
  requests: number;
  answered: number;
  abandoned: number;
  unanswered: number;
  missed: number;
  averageSpeedOfAnswerSeconds: number | null;
  p90SpeedOfAnswerSeconds: number | null;
  serviceLevelPercent: number | null;
  averageTalkSeconds: number | null;
  averageAfterCallWorkSeconds: number | null;
  firstTimeFixPercent: number | null;
  averageRating: number | null;
  ratings: number;
}

export interface ReportRow extends ReportFigures {
  /** The bucket's start in the report's time zone, with its offset. */
  bucket: string;
  bucketStart: string;
  bucketEnd: string;
  /** The queue's or the expert's id and name. */
  id: string;
  name: string;
}

export interface Report {
  subject: ReportSubject;
  timeZone: string;
  bucket: ReportRange['bucket'];
  from: string;
  to: string;
  rows: ReportRow[];
}

const round1 = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);
const percent = (part: number, whole: number) =>
  whole === 0 ? null : Math.round((part / whole) * 1000) / 10;

/** No calls: every figure zero or null (what a bucket without requests shows). */
export const NO_FIGURES: Readonly<ReportFigures> = {
  requests: 0,
  answered: 0,
  abandoned: 0,
  unanswered: 0,
  missed: 0,
  averageSpeedOfAnswerSeconds: null,
  p90SpeedOfAnswerSeconds: null,
  serviceLevelPercent: null,
  averageTalkSeconds: null,
  averageAfterCallWorkSeconds: null,
  firstTimeFixPercent: null,
  averageRating: null,
  ratings: 0,
};

function figuresOf(aggregate: ReportAggregate | undefined): ReportFigures {
  if (!aggregate) return { ...NO_FIGURES };
  return {
    requests: aggregate.requests,
    answered: aggregate.answered,
    abandoned: aggregate.abandoned,
    unanswered: aggregate.unanswered,
    missed: aggregate.missed,
    averageSpeedOfAnswerSeconds: round1(aggregate.averageAnswerSeconds),
    p90SpeedOfAnswerSeconds: round1(aggregate.p90AnswerSeconds),
    serviceLevelPercent: percent(aggregate.answeredWithinServiceLevel, aggregate.requests),
    averageTalkSeconds: round1(aggregate.averageTalkSeconds),
    averageAfterCallWorkSeconds: round1(aggregate.averageAfterCallWorkSeconds),
    firstTimeFixPercent: percent(aggregate.firstTimeFixes, aggregate.wrapUps),
    averageRating:
      aggregate.averageRating === null ? null : Math.round(aggregate.averageRating * 100) / 100,
    ratings: aggregate.ratings,
  };
}

/** Who may read reports: those who answer for the floor and the systems that feed them. */
export function assertMayReadReports(person: Person): void {
  if (hasRole(person, 'supervisor', 'integration')) return;
  throw new ForbiddenError('reports are for supervisors and integrations');
}

/**
 * The queue and expert reports: the range and buckets in JS (luxon), the counting in SQL
 * (report-query.ts), and here the rows every bucket gets, zeros included, so a chart has no gaps.
 */
@Injectable()
export class ReportsService {
  constructor(
    @Inject(DATABASE) private readonly db: Kysely<BrokerDatabase>,
    private readonly directory: DirectoryService,
  ) {}

  async report(caller: Person, subject: ReportSubject, query: ReportRangeQuery): Promise<Report> {
    assertMayReadReports(caller);
    const range = reportRange(query);
    const queues = this.directory.queues();
    const aggregates = await reportAggregates(
      this.db,
      subject,
      range.buckets,
      queues.map((queue) => ({
        id: queue.id,
        serviceLevelSeconds: queue.serviceLevelSeconds,
        wrapUpSeconds: queue.wrapUpSeconds,
      })),
    );
    const byKey = new Map(aggregates.map((row) => [`${row.bucketIndex} ${row.subject}`, row]));
    const subjects = new Map<string, string>();
    if (subject === 'queue') for (const queue of queues) subjects.set(queue.id, queue.name);
    for (const row of aggregates)
      if (!subjects.has(row.subject))
        subjects.set(
          row.subject,
          subject === 'queue'
            ? (this.directory.queue(row.subject)?.name ?? row.subject)
            : (this.directory.find(row.subject)?.displayName ?? row.subject),
        );
    const ordered = [...subjects.entries()].sort(([a, nameA], [b, nameB]) =>
      subject === 'queue' ? 0 : nameA.localeCompare(nameB) || a.localeCompare(b),
    );
    const rows: ReportRow[] = [];
    for (const [index, bucket] of range.buckets.entries())
      for (const [id, name] of ordered)
        rows.push({
          bucket: bucket.label,
          bucketStart: bucket.startsAt,
          bucketEnd: bucket.endsAt,
          id,
          name,
          ...figuresOf(byKey.get(`${index} ${id}`)),
        });
    return {
      subject,
      timeZone: range.timeZone,
      bucket: range.bucket,
      from: range.from,
      to: range.to,
      rows,
    };
  }
}
