import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Page } from 'playwright-core';
import { DATABASE } from '../src/database/database.module.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { REPORT_CSV_COLUMNS } from '../src/reports/report-csv.js';
import {
  DashboardBrowser,
  DESKTOP,
  PHONE,
  recordCspViolations,
  cspViolations,
} from './support/dashboard-browser.js';
import { describeIf, requireChromium } from './support/environment.js';
import {
  aReportCall,
  insertReportCalls,
  REPORT_DAY,
  REPORT_QUEUE,
} from './support/report-calls.js';

const CHROMIUM = requireChromium("the supervisors' reports page");

/** The week before REPORT_DAY: two answered calls a day, slower each day, so the charts move. */
const WEEK = Array.from({ length: 6 }, (_, day) =>
  [0, 1].map((index) =>
    aReportCall({
      id: `w-${day}-${index}`,
      createdAt: `2026-11-0${4 + day}T${10 + index}:00:00.000Z`,
      status: 'ended',
      expert: index === 0 ? 'erika' : 'ed',
      answerSeconds: 8 + day * 6 + index * 12,
      talkSeconds: 240,
      wrapUp: { firstTimeFix: index === 0, afterSeconds: 45 },
      rating: 4 + (index === 0 ? 1 : 0),
    }),
  ),
).flat();

const RANGE = 'from=2026-11-04&to=2026-11-10&bucket=day&timeZone=Europe/Berlin';

describeIf(CHROMIUM)("the supervisors' reports page", () => {
  const dashboard = new DashboardBrowser({ queues: [REPORT_QUEUE] });

  beforeAll(async () => {
    await dashboard.start(CHROMIUM!);
    const db: Kysely<BrokerDatabase> = dashboard.sut.app!.get(DATABASE);
    await insertReportCalls(db, [...WEEK, ...REPORT_DAY]);
  });
  afterAll(() => dashboard.stop());

  async function openReports(person: string, viewport = DESKTOP): Promise<Page> {
    const page = await dashboard.browser.newPage({ viewport, acceptDownloads: true });
    await recordCspViolations(page);
    await page.goto(`${dashboard.sut.url}/reports?${RANGE}#token=${dashboard.sut.token(person)}`);
    return page;
  }
  const violations = cspViolations;
  const screenshot = (name: string) =>
    process.env.UPDATE_SCREENSHOT ? `docs/${name}` : join(tmpdir(), name);

  it('draws service level and speed of answer per queue, lists the experts, downloads the CSV; no CSP violation', async () => {
    const page = await openReports('sam');
    await page.locator('body[data-report="shown"]').waitFor();
    const chart = (id: string) =>
      page.evaluate((canvasId) => {
        const drawn = (globalThis as any).Chart.getChart(canvasId);
        return {
          labels: drawn.data.labels,
          series: drawn.data.datasets.map((set: any) => [set.label, set.data]),
        };
      }, id);
    const serviceLevel = await chart('chart-service-level');
    expect(serviceLevel.labels).toEqual([
      '2026-11-04',
      '2026-11-05',
      '2026-11-06',
      '2026-11-07',
      '2026-11-08',
      '2026-11-09',
      '2026-11-10',
    ]);
    // Day 3 (answers in 20 and 32 s): one of two within 30 s; the last day as the API says.
    expect(serviceLevel.series).toEqual([['Pumps', [100, 100, 50, 50, 0, 0, 25]]]);
    const speed = await chart('chart-speed');
    expect(speed.series.map(([label]: [string]) => label)).toEqual(['Pumps average', 'Pumps p90']);
    expect(speed.series[1][1]).toEqual([20, 26, 32, 38, 44, 50, 50]);

    const erikaRows = page.locator('#expert-report tr[data-expert-id="erika"]');
    expect(await erikaRows.count()).toBe(7);
    expect(await page.locator('#expert-report tbody tr').count()).toBe(14);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#csv-queues'),
    ]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv.split('\n')[0]).toBe(REPORT_CSV_COLUMNS.join(','));
    expect(csv.trim().split('\n')).toHaveLength(1 + 7);

    expect(await violations(page)).toEqual([]);
    await page.screenshot({ path: screenshot('reports.png'), fullPage: true });
    await page.close();
  });

  it('fits a phone: one column, no sideways scrolling of the page', async () => {
    const page = await openReports('sam', PHONE);
    await page.locator('body[data-report="shown"]').waitFor();
    expect(
      await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(PHONE.width);
    expect(await violations(page)).toEqual([]);
    await page.screenshot({ path: screenshot('reports-phone.png'), fullPage: true });
    await page.close();
  });

  it('says why when the range is bad, and tells a technician the page is not theirs', async () => {
    const page = await openReports('sam');
    await page.locator('body[data-report="shown"]').waitFor();
    await page.fill('#report-zone', 'Europe/Atlantis');
    await page.click('#report-range button[type="submit"]');
    await page.locator('#report-error', { hasText: 'not an IANA time zone' }).waitFor();
    await page.close();

    const technician = await openReports('tom');
    await technician.locator('#report-error', { hasText: 'Reports are for supervisors' }).waitFor();
    expect(await technician.locator('#reports').isVisible()).toBe(false);
    await technician.close();

    // No token, and this broker has no company sign-in (POST /auth/token answers 404): the page
    // says where to sign in at once, rather than asking for a token again and again.
    const stranger = await dashboard.browser.newPage({ viewport: DESKTOP });
    const asked: number[] = [];
    stranger.on('request', (request) => {
      if (request.url().endsWith('/auth/token')) asked.push(Date.now());
    });
    await stranger.goto(`${dashboard.sut.url}/reports`);
    await stranger
      .locator('#report-error', { hasText: 'Sign in on the dashboard first' })
      .waitFor();
    expect(asked).toHaveLength(1);
    await stranger.close();
  });

  it('is linked from the dashboard for supervisors only', async () => {
    const supervisor = await dashboard.openAs('sam');
    expect(await supervisor.locator('#reports-link').isVisible()).toBe(true);
    await supervisor.close();
    const expert = await dashboard.openAs('erika');
    expect(await expert.locator('#reports-link').isVisible()).toBe(false);
    await expert.close();
  });
});
