import type { Kysely } from 'kysely';
import { DATABASE } from '../src/database/database.module.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { REPORT_CSV_COLUMNS } from '../src/reports/report-csv.js';
import { BrokerHarness } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import {
  DST_CALLS,
  insertReportCalls,
  REPORT_DAY,
  REPORT_DAY_FIGURES,
  REPORT_QUEUE,
} from './support/report-calls.js';

const figuresOf = (row: Record<string, unknown>) => {
  const { bucket: _b, bucketStart: _s, bucketEnd: _e, id: _i, name: _n, ...figures } = row;
  return figures;
};

/** CSV cells back into a row of the JSON's types: empty is null, numbers are numbers. */
function csvRows(text: string): Record<string, unknown>[] {
  const [header, ...lines] = text.trim().split('\n');
  const columns = header!.split(',');
  return lines.map((line) =>
    Object.fromEntries(
      line.split(',').map((cell, index) => {
        const column = columns[index]!;
        const numeric = !['bucket', 'bucketStart', 'bucketEnd', 'id', 'name'].includes(column);
        return [column, cell === '' ? null : numeric ? Number(cell) : cell];
      }),
    ),
  );
}

describe.each(await brokerDatabases('reports'))('reports over REST on $name', ({ create }) => {
  let sut: BrokerHarness;

  beforeAll(async () => {
    sut = await new BrokerHarness({ queues: [REPORT_QUEUE], database: create }).start();
    const db: Kysely<BrokerDatabase> = sut.app!.get(DATABASE);
    await insertReportCalls(db, [...REPORT_DAY, ...DST_CALLS]);
  });
  afterAll(() => sut.stop());

  it('gives the queue its exact figures for the day in UTC and in Berlin, as JSON', async () => {
    const utc = await sut.api('GET', '/v1/reports/queues?from=2026-11-10&to=2026-11-10', {
      as: 'sam',
    });
    expect(utc.status).toBe(200);
    expect(utc.body).toMatchObject({
      subject: 'queue',
      timeZone: 'UTC',
      bucket: 'day',
      from: '2026-11-10T00:00:00.000Z',
      to: '2026-11-11T00:00:00.000Z',
    });
    expect(utc.body.rows).toHaveLength(1);
    expect(utc.body.rows[0]).toMatchObject({ id: 'pumps', name: 'Pumps' });
    expect(figuresOf(utc.body.rows[0])).toEqual(REPORT_DAY_FIGURES.queueUtc);

    const berlin = await sut.api(
      'GET',
      '/v1/reports/queues?from=2026-11-10&to=2026-11-11&timeZone=Europe/Berlin',
      { as: 'erp' },
    );
    expect(berlin.status).toBe(200);
    expect(berlin.body.rows.map((row: any) => row.bucket)).toEqual([
      '2026-11-10T00:00:00+01:00',
      '2026-11-11T00:00:00+01:00',
    ]);
    expect(figuresOf(berlin.body.rows[0])).toEqual(REPORT_DAY_FIGURES.queueBerlin);
    expect(figuresOf(berlin.body.rows[1])).toEqual(REPORT_DAY_FIGURES.queueBerlinNextDay);
  });

  it('gives each expert the figures of the calls they took, as JSON and as CSV', async () => {
    const json = await sut.api('GET', '/v1/reports/experts?from=2026-11-10&to=2026-11-10', {
      as: 'sam',
    });
    expect(json.status).toBe(200);
    const byId = new Map(json.body.rows.map((row: any) => [row.id, row]));
    expect(figuresOf(byId.get('erika') as any)).toEqual(REPORT_DAY_FIGURES.erikaUtc);
    expect(figuresOf(byId.get('ed') as any)).toEqual(REPORT_DAY_FIGURES.edUtc);

    const csv = await sut.api('GET', '/v1/reports/experts?from=2026-11-10&to=2026-11-10', {
      as: 'sam',
      headers: { accept: 'text/csv' },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((csv.body as string).split('\n')[0]).toBe(REPORT_CSV_COLUMNS.join(','));
    expect(csvRows(csv.body)).toEqual(json.body.rows);
  });

  it('answers ?format=csv with the queue report in Berlin, the same rows as the JSON', async () => {
    const query = 'from=2026-11-10&to=2026-11-11&timeZone=Europe/Berlin';
    const json = await sut.api('GET', `/v1/reports/queues?${query}`, { as: 'sam' });
    const csv = await sut.api('GET', `/v1/reports/queues?${query}&format=csv`, { as: 'sam' });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename=".+\.csv"/);
    expect(csvRows(csv.body)).toEqual(json.body.rows);
  });

  it('gives the day Berlin turns its clocks back a 25-hour bucket', async () => {
    const answer = await sut.api(
      'GET',
      '/v1/reports/queues?from=2026-10-25&to=2026-10-25&timeZone=Europe/Berlin',
      { as: 'sam' },
    );
    expect(answer.status).toBe(200);
    const [day] = answer.body.rows;
    expect(Date.parse(day.bucketEnd) - Date.parse(day.bucketStart)).toBe(25 * 3_600_000);
    expect(day.requests).toBe(2);
  });

  it.each([
    ['from=2026-11-11&to=2026-11-10', 'must be after'],
    ['from=2026-11-10', '"to" is required'],
    ['from=yesterday&to=2026-11-10', 'not an ISO 8601 date'],
    ['from=2026-11-10&to=2026-11-10&timeZone=Europe/Atlantis', 'not an IANA time zone'],
    ['from=2026-01-01&to=2026-12-31&bucket=hour', 'more than 1000'],
    ['from=2026-11-10&to=2026-11-10&bucket=month', 'bucket'],
    ['from=2026-11-10&to=2026-11-10&format=xlsx', 'format'],
  ])('answers 400 to %s', async (query, message) => {
    const answer = await sut.api('GET', `/v1/reports/queues?${query}`, { as: 'sam' });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toContain(message);
  });

  it.each(['tom', 'erika'])(
    'refuses %s (403): reports are for supervisors and integrations',
    async (who) => {
      for (const path of ['/v1/reports/queues', '/v1/reports/experts']) {
        const answer = await sut.api('GET', `${path}?from=2026-11-10&to=2026-11-10`, { as: who });
        expect(answer.status).toBe(403);
      }
    },
  );
});
