import type { Kysely } from 'kysely';
import type { CallRecord } from '../../src/calls/call.model.js';
import { toRow } from '../../src/calls/call-rows.js';
import { SecretBox } from '../../src/common/secret-box.js';
import type { BrokerDatabase } from '../../src/database/schema.js';
import { NO_FIGURES } from '../../src/reports/reports.service.js';
import { aCallRecord } from './call-records.js';

/** The queue of the report scenario: answered within 30 s counts, after-call work up to 120 s. */
export const REPORT_QUEUE = {
  id: 'pumps',
  name: 'Pumps',
  skills: ['pumps'],
  serviceLevelSeconds: 30,
  wrapUpSeconds: 120,
};

const at = (iso: string, seconds: number) =>
  new Date(Date.parse(iso) + seconds * 1000).toISOString();

interface Outcome {
  id: string;
  createdAt: string;
  status: CallRecord['status'];
  expert?: 'erika' | 'ed';
  answerSeconds?: number;
  talkSeconds?: number;
  endSeconds?: number;
  wrapUp?: { firstTimeFix: boolean; afterSeconds: number };
  rating?: number;
}

/** A call of the pumps queue that went as `outcome` says, times counted from its creation. */
export function aReportCall(outcome: Outcome): CallRecord {
  const created = outcome.createdAt;
  const joined = outcome.answerSeconds === undefined ? null : at(created, outcome.answerSeconds);
  const connected = joined === null || outcome.talkSeconds === undefined ? null : at(joined, 5);
  const ended =
    connected !== null && outcome.talkSeconds !== undefined
      ? at(connected, outcome.talkSeconds)
      : at(created, outcome.endSeconds ?? 60);
  return aCallRecord({
    id: outcome.id,
    xassistCallId: joined === null ? null : `x-${outcome.id}`,
    status: outcome.status,
    queueId: REPORT_QUEUE.id,
    experts: [],
    queuedAt: created,
    acceptedById: outcome.expert ?? null,
    joinedExpertId: joined === null ? null : (outcome.expert ?? null),
    createdAt: created,
    ringingAt: outcome.expert ? at(created, 1) : null,
    expertJoinedAt: joined,
    connectedAt: connected,
    endedAt: ended,
    updatedAt: ended,
    wrapUp: outcome.wrapUp
      ? {
          outcome: outcome.wrapUp.firstTimeFix ? 'resolved' : 'follow_up',
          firstTimeFix: outcome.wrapUp.firstTimeFix,
          notes: '',
          links: [],
          by: { id: outcome.expert!, displayName: outcome.expert! },
          submittedAt: at(ended, outcome.wrapUp.afterSeconds),
          updatedAt: at(ended, outcome.wrapUp.afterSeconds),
          revision: 1,
        }
      : null,
    rating:
      outcome.rating === undefined
        ? null
        : { rating: outcome.rating, comment: null, at: at(ended, 300) },
  });
}

/**
 * A day of the pumps queue (2026-11-10 UTC) with known outcomes; docs/api.md "Reports" gives the
 * figures they make. The missed call is at 23:30 UTC, so in Europe/Berlin it is the next day.
 */
export const REPORT_DAY: CallRecord[] = [
  aReportCall({
    id: 'r-fast',
    createdAt: '2026-11-10T09:00:00.000Z',
    status: 'ended',
    expert: 'erika',
    answerSeconds: 10,
    talkSeconds: 300,
    wrapUp: { firstTimeFix: true, afterSeconds: 60 },
    rating: 5,
  }),
  aReportCall({
    id: 'r-abandoned',
    createdAt: '2026-11-10T10:00:00.000Z',
    status: 'cancelled',
    endSeconds: 20,
  }),
  aReportCall({
    id: 'r-unanswered',
    createdAt: '2026-11-10T11:00:00.000Z',
    status: 'unanswered',
    endSeconds: 300,
  }),
  aReportCall({
    id: 'r-slow',
    createdAt: '2026-11-10T14:00:00.000Z',
    status: 'ended',
    expert: 'ed',
    answerSeconds: 50,
    talkSeconds: 600,
    wrapUp: { firstTimeFix: false, afterSeconds: 200 },
    rating: 3,
  }),
  aReportCall({
    id: 'r-missed',
    createdAt: '2026-11-10T23:30:00.000Z',
    status: 'missed',
    expert: 'erika',
    answerSeconds: 20,
    endSeconds: 80,
  }),
];

/**
 * Around the night Europe/Berlin turns its clocks back (2026-10-25, 03:00 CEST -> 02:00 CET):
 * 00:30 CEST and 23:30 CET of that day (its first and last hour), and 00:30 CET the day after.
 */
export const DST_CALLS: CallRecord[] = [
  aReportCall({ id: 'd-first', createdAt: '2026-10-24T22:30:00.000Z', status: 'cancelled' }),
  aReportCall({ id: 'd-last', createdAt: '2026-10-25T22:30:00.000Z', status: 'cancelled' }),
  aReportCall({ id: 'd-next', createdAt: '2026-10-25T23:30:00.000Z', status: 'cancelled' }),
];

/** Writes the calls' rows as the broker stores them (no events: reports read only the rows). */
/**
 * 2026-11-12: one request answered, and two to the queue while it was closed (business hours):
 * those are not requests, and count in no figure.
 */
export const CLOSED_DAY_CALLS: CallRecord[] = [
  aReportCall({
    id: 'k-answered',
    createdAt: '2026-11-12T10:00:00.000Z',
    status: 'ended',
    expert: 'erika',
    answerSeconds: 10,
    talkSeconds: 60,
  }),
  ...['k-closed-1', 'k-closed-2'].map((id, i) => ({
    ...aReportCall({ id, createdAt: `2026-11-12T0${i + 2}:00:00.000Z`, status: 'closed' }),
    queuedAt: null,
    nextOpensAt: '2026-11-12T08:00:00.000Z',
  })),
];

export async function insertReportCalls(
  db: Kysely<BrokerDatabase>,
  calls: CallRecord[],
): Promise<void> {
  const box = new SecretBox([]);
  await db
    .insertInto('calls')
    .values(calls.map((call) => toRow(call, box)))
    .execute();
}

/**
 * What REPORT_DAY makes, worked out by hand from docs/api.md "Reports": answered in 10, 50 and
 * 20 s (the missed call counts as answered), 2 of 5 within 30 s, talk 300 and 600 s, after-call
 * work 60 s and 200 s capped at 120 s, first-time fix on one of two wrap-ups, ratings 5 and 3.
 */
export const REPORT_DAY_FIGURES = {
  queueUtc: {
    requests: 5,
    answered: 3,
    abandoned: 1,
    unanswered: 1,
    missed: 1,
    averageSpeedOfAnswerSeconds: 26.7,
    p90SpeedOfAnswerSeconds: 50,
    serviceLevelPercent: 40,
    averageTalkSeconds: 450,
    averageAfterCallWorkSeconds: 90,
    firstTimeFixPercent: 50,
    averageRating: 4,
    ratings: 2,
  },
  /** 2026-11-10 in Berlin (UTC+1) ends at 23:00 UTC: without the missed call. */
  queueBerlin: {
    requests: 4,
    answered: 2,
    abandoned: 1,
    unanswered: 1,
    missed: 0,
    averageSpeedOfAnswerSeconds: 30,
    p90SpeedOfAnswerSeconds: 50,
    serviceLevelPercent: 25,
    averageTalkSeconds: 450,
    averageAfterCallWorkSeconds: 90,
    firstTimeFixPercent: 50,
    averageRating: 4,
    ratings: 2,
  },
  /** 2026-11-11 in Berlin: the missed call alone. */
  queueBerlinNextDay: {
    ...NO_FIGURES,
    requests: 1,
    answered: 1,
    missed: 1,
    averageSpeedOfAnswerSeconds: 20,
    p90SpeedOfAnswerSeconds: 20,
    serviceLevelPercent: 100,
  },
  erikaUtc: {
    requests: 2,
    answered: 2,
    abandoned: 0,
    unanswered: 0,
    missed: 1,
    averageSpeedOfAnswerSeconds: 15,
    p90SpeedOfAnswerSeconds: 20,
    serviceLevelPercent: 100,
    averageTalkSeconds: 300,
    averageAfterCallWorkSeconds: 60,
    firstTimeFixPercent: 100,
    averageRating: 5,
    ratings: 1,
  },
  edUtc: {
    requests: 1,
    answered: 1,
    abandoned: 0,
    unanswered: 0,
    missed: 0,
    averageSpeedOfAnswerSeconds: 50,
    p90SpeedOfAnswerSeconds: 50,
    serviceLevelPercent: 0,
    averageTalkSeconds: 600,
    averageAfterCallWorkSeconds: 120,
    firstTimeFixPercent: 0,
    averageRating: 3,
    ratings: 1,
  },
};
