import { sql, SqliteAdapter, type Kysely, type RawBuilder } from 'kysely';
import type { BrokerDatabase } from '../database/schema.js';
import type { ReportBucketRange } from './report-range.js';

/** Whom a report's rows are about: each queue, or each expert who took the call. */
export type ReportSubject = 'queue' | 'expert';

/** What the report needs of a queue; calls of a queue the directory no longer has use the defaults. */
export interface QueueReportSettings {
  id: string;
  serviceLevelSeconds: number;
  wrapUpSeconds: number;
}

export const DEFAULT_SERVICE_LEVEL_SECONDS = 30;

/** One bucket of one queue or expert, as SQL counted it (sums and averages, not yet rounded). */
export interface ReportAggregate {
  bucketIndex: number;
  subject: string;
  requests: number;
  answered: number;
  abandoned: number;
  unanswered: number;
  missed: number;
  averageAnswerSeconds: number | null;
  p90AnswerSeconds: number | null;
  answeredWithinServiceLevel: number;
  averageTalkSeconds: number | null;
  averageAfterCallWorkSeconds: number | null;
  firstTimeFixes: number;
  wrapUps: number;
  averageRating: number | null;
  ratings: number;
}

/** The SQL that differs between the two databases; everything else is the same text. */
interface Dialect {
  /** Seconds from `from` to `to` (ISO text), to the millisecond. */
  secondsBetween(from: RawBuilder<unknown>, to: RawBuilder<unknown>): RawBuilder<number>;
  /** The wrap-up's firstTimeFix as 1 or 0 (null without a wrap-up). */
  firstTimeFix: RawBuilder<number>;
  /**
   * `value` kept within low..high. One expression, so that the wrap-up's JSON is parsed once per
   * call (a CASE naming it in each branch parsed it up to five times).
   */
  clamp(
    value: RawBuilder<unknown>,
    low: RawBuilder<unknown>,
    high: RawBuilder<unknown>,
  ): RawBuilder<number>;
  /** When the wrap-up was first submitted (ISO text), null without one. */
  wrapUpSubmittedAt: RawBuilder<string>;
  rating: RawBuilder<number>;
  /**
   * The facts with what the p90 needs (`ranked`), and the p90 over them: the same nearest rank on
   * both databases (the smallest speed of answer at least 90 % of the answered requests do not
   * exceed). PostgreSQL has it built in (percentile_disc), with no window pass over
   * every row; SQLite has no ordered-set aggregates, so it numbers the rows per bucket.
   */
  ranked: RawBuilder<unknown>;
  p90: RawBuilder<number>;
  /**
   * Each call's bucket (`idx`, from 0) and what it needs in the FROM clause. SQLite joins the
   * bucket table on the range. PostgreSQL binary-searches the sorted bucket starts
   * (width_bucket): a join on ranges is one the planner cannot estimate, and with stale
   * statistics (right after a bulk load, before autovacuum analyzed) it compared every call with
   * every bucket, four times slower.
   */
  bucketOf(buckets: ReportBucketRange[]): { idx: RawBuilder<number>; join: RawBuilder<unknown> };
  /** Set for the report's transaction, before the query. */
  settings: RawBuilder<unknown>[];
}

const SQLITE: Dialect = {
  secondsBetween: (from, to) =>
    sql<number>`round(unixepoch(${to}, 'subsec') - unixepoch(${from}, 'subsec'), 3)`,
  clamp: (value, low, high) => sql<number>`min(max(${value}, ${low}), ${high})`,
  firstTimeFix: sql<number>`json_extract(c.wrap_up_json, '$.firstTimeFix')`,
  wrapUpSubmittedAt: sql<string>`json_extract(c.wrap_up_json, '$.submittedAt')`,
  rating: sql<number>`json_extract(c.rating_json, '$.rating')`,
  ranked: sql`select f.*,
        row_number() over (
          partition by f.idx, f.subject
          order by case when f.answer_seconds is null then 1 else 0 end, f.answer_seconds
        ) as answer_rank,
        count(f.answer_seconds) over (partition by f.idx, f.subject) as answer_count
      from facts f`,
  p90: sql<number>`min(case when answer_seconds is not null and answer_rank * 10 >= answer_count * 9 then answer_seconds end)`,
  bucketOf: (buckets) => ({
    idx: sql<number>`b.idx`,
    join: sql`join (${bucketsTable(buckets)}) b on c.created_at >= b.starts_at and c.created_at < b.ends_at`,
  }),
  settings: [],
};

const POSTGRES: Dialect = {
  secondsBetween: (from, to) =>
    sql<number>`round(extract(epoch from (cast(${to} as timestamptz) - cast(${from} as timestamptz))), 3)`,
  clamp: (value, low, high) => sql<number>`least(greatest(${value}, ${low}), ${high})`,
  firstTimeFix: sql<number>`case cast(c.wrap_up_json as jsonb) ->> 'firstTimeFix' when 'true' then 1 when 'false' then 0 end`,
  wrapUpSubmittedAt: sql<string>`cast(c.wrap_up_json as jsonb) ->> 'submittedAt'`,
  rating: sql<number>`cast(cast(c.rating_json as jsonb) ->> 'rating' as numeric)`,
  ranked: sql`select f.* from facts f`,
  p90: sql<number>`percentile_disc(0.9) within group (order by answer_seconds)`,
  // The buckets are contiguous: a call from `from` to `to` is in the last bucket starting at or
  // before it. ISO instants of one format sort as text as they do in time, so byte order (collate
  // "C", half the cost of the database's collation) is enough.
  bucketOf: (buckets) => ({
    idx: sql<number>`width_bucket(cast(c.created_at as text) collate "C", cast(${buckets.map((b) => b.startsAt)} as text[])) - 1`,
    join: sql``,
  }),
  // The planner cannot estimate the join on bucket ranges and guesses a million rows, so it JIT-
  // compiles the query: seconds of compiling for a query that runs in a fraction of one.
  settings: [sql`set local jit = off`, sql`set local work_mem = '64MB'`],
};

const dialectOf = (db: Kysely<BrokerDatabase>): Dialect =>
  db.getExecutor().adapter instanceof SqliteAdapter ? SQLITE : POSTGRES;

/** The buckets as a small table in SQL: (idx, starts_at, ends_at). */
function bucketsTable(buckets: ReportBucketRange[]): RawBuilder<unknown> {
  const rows = buckets.map(
    (bucket, index) =>
      sql`select cast(${index} as integer) as idx, cast(${bucket.startsAt} as varchar(32)) as starts_at, cast(${bucket.endsAt} as varchar(32)) as ends_at`,
  );
  return sql.join(rows, sql` union all `);
}

/** The queues' windows as a small table in SQL: (queue_id, service_level_seconds, wrap_up_seconds). */
function queuesTable(queues: QueueReportSettings[]): RawBuilder<unknown> {
  if (queues.length === 0)
    return sql`select cast(null as varchar(64)) as queue_id, cast(null as integer) as service_level_seconds, cast(null as integer) as wrap_up_seconds where 1 = 0`;
  const rows = queues.map(
    (queue) =>
      sql`select cast(${queue.id} as varchar(64)) as queue_id, cast(${queue.serviceLevelSeconds} as integer) as service_level_seconds, cast(${queue.wrapUpSeconds} as integer) as wrap_up_seconds`,
  );
  return sql.join(rows, sql` union all `);
}

const numberOr = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

/**
 * Every figure of docs/api.md "Reports" per bucket and queue (or expert), counted by the
 * database: the calls are filtered by their creation time (indexed), put in their bucket
 * (`bucketOf`), and aggregated; p90 is the nearest-rank percentile (the smallest speed of answer
 * at least 90 % of the answered requests do not exceed), the same figure on both databases.
 * `facts` is materialized so that each call's figures are computed once: inlined, every
 * aggregate naming a figure computed it again (twice the time on PostgreSQL).
 */
export async function reportAggregates(
  db: Kysely<BrokerDatabase>,
  subject: ReportSubject,
  buckets: ReportBucketRange[],
  queues: QueueReportSettings[],
): Promise<ReportAggregate[]> {
  const dialect = dialectOf(db);
  const requestedAt = sql`coalesce(c.queued_at, c.created_at)`;
  const subjectColumn =
    subject === 'queue' ? sql`c.queue_id` : sql`coalesce(c.joined_expert_id, c.accepted_by_id)`;
  const answerSeconds = dialect.secondsBetween(requestedAt, sql`c.expert_joined_at`);
  const talkSeconds = dialect.secondsBetween(sql`c.connected_at`, sql`c.ended_at`);
  const toWrapUp = dialect.secondsBetween(sql`c.ended_at`, dialect.wrapUpSubmittedAt);
  const bucket = dialect.bucketOf(buckets);
  const from = buckets[0]!.startsAt;
  const to = buckets[buckets.length - 1]!.endsAt;
  const query = sql<Record<string, unknown>>`
    with queue_settings as (${queuesTable(queues)}),
    facts as materialized (
      select
        ${bucket.idx} as idx,
        ${subjectColumn} as subject,
        c.status as status,
        c.expert_joined_at as expert_joined_at,
        case when c.expert_joined_at is not null then ${answerSeconds} end as answer_seconds,
        coalesce(q.service_level_seconds, ${DEFAULT_SERVICE_LEVEL_SECONDS}) as service_level_seconds,
        case when c.connected_at is not null and c.ended_at is not null then ${talkSeconds} end as talk_seconds,
        case when c.status = 'ended' and coalesce(q.wrap_up_seconds, 0) > 0 then
          ${dialect.clamp(sql`coalesce(${toWrapUp}, q.wrap_up_seconds)`, sql`0`, sql`q.wrap_up_seconds`)}
        end as after_call_work_seconds,
        ${dialect.firstTimeFix} as first_time_fix,
        ${dialect.rating} as rating
      from calls c
      ${bucket.join}
      left join queue_settings q on q.queue_id = c.queue_id
      -- A request to a queue outside its business hours (closed) was never waited on.
      where c.created_at >= ${from} and c.created_at < ${to} and ${subjectColumn} is not null
        and c.status <> 'closed'
    ),
    ranked as (${dialect.ranked})
    select
      idx,
      subject,
      count(*) as requests,
      sum(case when expert_joined_at is not null then 1 else 0 end) as answered,
      sum(case when status = 'cancelled' and expert_joined_at is null then 1 else 0 end) as abandoned,
      sum(case when status = 'unanswered' then 1 else 0 end) as unanswered,
      sum(case when status = 'missed' then 1 else 0 end) as missed,
      avg(answer_seconds) as average_answer_seconds,
      ${dialect.p90} as p90_answer_seconds,
      sum(case when answer_seconds is not null and answer_seconds <= service_level_seconds then 1 else 0 end) as within_service_level,
      avg(talk_seconds) as average_talk_seconds,
      avg(after_call_work_seconds) as average_after_call_work_seconds,
      coalesce(sum(first_time_fix), 0) as first_time_fixes,
      count(first_time_fix) as wrap_ups,
      avg(rating) as average_rating,
      count(rating) as ratings
    from ranked
    group by idx, subject
  `;
  const result =
    dialect.settings.length === 0
      ? await query.execute(db)
      : await db.transaction().execute(async (trx) => {
          for (const setting of dialect.settings) await setting.execute(trx);
          return query.execute(trx);
        });
  return result.rows.map((row) => ({
    bucketIndex: Number(row.idx),
    subject: String(row.subject),
    requests: Number(row.requests),
    answered: Number(row.answered),
    abandoned: Number(row.abandoned),
    unanswered: Number(row.unanswered),
    missed: Number(row.missed),
    averageAnswerSeconds: numberOr(row.average_answer_seconds),
    p90AnswerSeconds: numberOr(row.p90_answer_seconds),
    answeredWithinServiceLevel: Number(row.within_service_level),
    averageTalkSeconds: numberOr(row.average_talk_seconds),
    averageAfterCallWorkSeconds: numberOr(row.average_after_call_work_seconds),
    firstTimeFixes: Number(row.first_time_fixes),
    wrapUps: Number(row.wrap_ups),
    averageRating: numberOr(row.average_rating),
    ratings: Number(row.ratings),
  }));
}
