import type { Kysely } from 'kysely';
import { people } from '../../test/support/people.js';
import {
  CLOSED_DAY_CALLS,
  DST_CALLS,
  insertReportCalls,
  REPORT_DAY,
  REPORT_DAY_FIGURES,
  REPORT_QUEUE,
} from '../../test/support/report-calls.js';
import { requirePostgres, type TestDatabase } from '../../test/support/environment.js';
import { ForbiddenError } from '../common/broker-error.js';
import { migrateToLatest, openDatabase } from '../database/database.js';
import type { BrokerDatabase } from '../database/schema.js';
import { DirectoryService } from '../directory/directory.service.js';
import { parseQueues } from '../directory/queue-file.js';
import { ReportsService, type Report } from './reports.service.js';

const postgres = await requirePostgres('reports on PostgreSQL');
const databases = [
  { name: 'SQLite', url: async () => ({ url: 'sqlite::memory:', drop: async () => {} }) },
  ...(postgres ? [{ name: 'PostgreSQL', url: () => postgres.createDatabase() }] : []),
];

const everyone = Object.values(people);
const directory = new DirectoryService(everyone, parseQueues({ queues: [REPORT_QUEUE] }, everyone));

const rowOf = (report: Report, bucket: string, id: string) => {
  const row = report.rows.find((candidate) => candidate.bucket === bucket && candidate.id === id);
  if (!row) throw new Error(`no row for ${bucket} ${id} in ${JSON.stringify(report.rows)}`);
  const { bucket: _b, bucketStart: _s, bucketEnd: _e, id: _i, name: _n, ...figures } = row;
  return figures;
};

describe.each(databases)('ReportsService on $name: figures counted in SQL', ({ url }) => {
  let database: TestDatabase;
  let db: Kysely<BrokerDatabase>;
  let sut: ReportsService;

  beforeAll(async () => {
    database = await url();
    db = openDatabase(database.url).db;
    await migrateToLatest(db);
    await insertReportCalls(db, [...REPORT_DAY, ...DST_CALLS, ...CLOSED_DAY_CALLS]);
    sut = new ReportsService(db, directory);
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  it('gives a day of known outcomes its exact figures per queue, in UTC and in Berlin', async () => {
    const utc = await sut.report(people.sam, 'queue', { from: '2026-11-10', to: '2026-11-10' });
    expect(utc.rows).toHaveLength(1);
    expect(rowOf(utc, '2026-11-10T00:00:00Z', 'pumps')).toEqual(REPORT_DAY_FIGURES.queueUtc);
    const berlin = await sut.report(people.erp, 'queue', {
      from: '2026-11-10',
      to: '2026-11-11',
      timeZone: 'Europe/Berlin',
    });
    expect(rowOf(berlin, '2026-11-10T00:00:00+01:00', 'pumps')).toEqual(
      REPORT_DAY_FIGURES.queueBerlin,
    );
    expect(rowOf(berlin, '2026-11-11T00:00:00+01:00', 'pumps')).toEqual(
      REPORT_DAY_FIGURES.queueBerlinNextDay,
    );
  });

  it('gives each expert the calls they took', async () => {
    const report = await sut.report(people.sam, 'expert', { from: '2026-11-10', to: '2026-11-10' });
    expect(report.rows.map((row) => row.name)).toEqual(['Ed Expert', 'Erika Expert']);
    expect(rowOf(report, '2026-11-10T00:00:00Z', 'erika')).toEqual(REPORT_DAY_FIGURES.erikaUtc);
    expect(rowOf(report, '2026-11-10T00:00:00Z', 'ed')).toEqual(REPORT_DAY_FIGURES.edUtc);
  });

  it('cuts the day Berlin turns its clocks back at local midnights: 25 hours', async () => {
    const report = await sut.report(people.sam, 'queue', {
      from: '2026-10-25',
      to: '2026-10-26',
      timeZone: 'Europe/Berlin',
    });
    expect(
      report.rows.map((row) => [row.bucket, row.bucketStart, row.bucketEnd, row.requests]),
    ).toEqual([
      ['2026-10-25T00:00:00+02:00', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 2],
      ['2026-10-26T00:00:00+01:00', '2026-10-25T23:00:00.000Z', '2026-10-26T23:00:00.000Z', 1],
    ]);
  });

  it('leaves out requests to a closed queue (outside its business hours): they were never waited on', async () => {
    const report = await sut.report(people.sam, 'queue', { from: '2026-11-12', to: '2026-11-12' });
    expect(rowOf(report, '2026-11-12T00:00:00Z', 'pumps')).toMatchObject({
      requests: 1,
      answered: 1,
      unanswered: 0,
      serviceLevelPercent: 100,
    });
  });

  it('refuses technicians and experts', async () => {
    for (const person of [people.tom, people.erika])
      await expect(
        sut.report(person, 'queue', { from: '2026-11-10', to: '2026-11-10' }),
      ).rejects.toThrow(ForbiddenError);
  });
});
