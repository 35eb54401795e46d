import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardBrowser, PHONE } from './support/dashboard-browser.js';
import { describeIf, requireChromium } from './support/environment.js';

/**
 * The dashboard as a person meets it: on a phone, by keyboard, with a screen reader's live
 * region, in colours everyone can read. The calls table's history and search are in
 * dashboard-history.e2e-spec.ts; the expert's console (offers, accept, decline) in
 * dashboard-routing.e2e-spec.ts.
 */
const CHROMIUM = requireChromium('the dashboard on a phone, by keyboard and with a screen reader');

describeIf(CHROMIUM)('the dashboard on a phone, by keyboard and with a screen reader', () => {
  const dash = new DashboardBrowser({ env: { TECHNICIAN_JOIN_TIMEOUT_MS: '600000' } });
  let sut: DashboardBrowser['sut'];

  beforeAll(async () => {
    ({ sut } = await dash.start(CHROMIUM!));
  });
  afterAll(() => dash.stop());

  it('serves /favicon.ico (an SVG) instead of a 404', async () => {
    const answer = await sut.api('GET', '/favicon.ico');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(String(answer.body)).toContain('<svg');
  });

  it('fits a 390 px phone without sideways scrolling and shows the timeline on screen', async () => {
    const call = await dash.ask(
      'Centrifugal pump 7 at the north cooling tower: vibration above 12 mm/s since the Monday night shift',
    );
    sut.simulator.state.join(call.xassistCallId, 'erika');
    const page = await dash.openAs('sam', PHONE);
    const row = dash.rowOf(page, call.id);
    await row.and(page.locator('[data-status="expert_joined"]')).waitFor();
    const scrollWidth = () =>
      page.evaluate(() => (globalThis as any).document.scrollingElement.scrollWidth);
    expect(await scrollWidth()).toBeLessThanOrEqual(PHONE.width);

    await row.click();
    const timeline = page.locator('#timeline');
    await page.locator('#events li', { hasText: 'Expert joined' }).waitFor();
    const box = (await timeline.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    expect(box.y).toBeLessThan(PHONE.height / 2);
    expect(await scrollWidth()).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({
      path: process.env.UPDATE_SCREENSHOT
        ? 'docs/dashboard-phone-timeline.png'
        : join(tmpdir(), 'dashboard-phone-timeline.png'),
    });

    await page.click('#timeline-close');
    expect(await timeline.isVisible()).toBe(false);
    await page.close();
  });

  it('reaches the rows by keyboard: Tab to a row, arrows move, Enter opens the timeline, Escape goes back', async () => {
    const first = await dash.ask('Keyboard: valve 1');
    const second = await dash.ask('Keyboard: valve 2');
    const page = await dash.openAs('sam');
    await dash.rowOf(page, first.id).waitFor();
    await dash.rowOf(page, second.id).waitFor();

    const focused = () =>
      page.evaluate(() => (globalThis as any).document.activeElement?.dataset.callId ?? null);
    let presses = 0;
    while (!(await focused()) && presses++ < 30) await page.keyboard.press('Tab');
    // Newest first: the first row reached is the newest call.
    expect(await focused()).toBe(second.id);
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe(first.id);

    await page.keyboard.press('Enter');
    await page.locator('#timeline-title', { hasText: 'Keyboard: valve 1' }).waitFor();
    await page.locator('#events li', { hasText: 'Ringing the expert' }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe(
      'timeline-title',
    );
    await page.keyboard.press('Escape');
    expect(await page.locator('#timeline').isVisible()).toBe(false);
    expect(await focused()).toBe(first.id);

    await page.keyboard.press('ArrowUp');
    await page.keyboard.press(' ');
    await page.locator('#timeline-title', { hasText: 'Keyboard: valve 2' }).waitFor();
    // The rows are one Tab stop: Shift+Tab from the timeline's heading lands on no second row.
    expect(await page.locator('#calls tbody tr[tabindex="0"]').count()).toBe(1);
    await page.close();
  });

  it('gives every status badge and the connection badge text of at least 4.5:1 contrast', async () => {
    const page = await dash.openAs('sam');
    const ratios = await page.evaluate(() => {
      const { document, getComputedStyle } = globalThis as any;
      const statuses = [
        'creating',
        'queued',
        'ringing',
        'expert_joined',
        'connected',
        'ended',
        'failed',
        'unanswered',
        'missed',
        'cancelled',
      ];
      const rgb = (color: string) =>
        color
          .match(/[\d.]+/g)!
          .slice(0, 3)
          .map(Number);
      const luminance = (color: string) => {
        const [r, g, b] = rgb(color).map((v) => {
          const c = v / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const contrast = (element: any) => {
        const style = getComputedStyle(element);
        const [a, b] = [luminance(style.color), luminance(style.backgroundColor)].sort(
          (x, y) => y - x,
        );
        return Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
      };
      const cell = document.createElement('td');
      document.querySelector('#calls tbody')!.append(document.createElement('tr'));
      document.querySelector('#calls tbody tr:last-child')!.append(cell);
      const result: Record<string, number> = {};
      for (const status of statuses) {
        cell.innerHTML = `<span class="status s-${status}">x</span>`;
        result[status] = contrast(cell.firstElementChild!);
      }
      const connection = document.getElementById('connection')!;
      for (const state of ['live', 'reconnecting', 'offline']) {
        connection.className = `badge ${state}`;
        result[`connection ${state}`] = contrast(connection);
      }
      return result;
    });
    for (const [badge, ratio] of Object.entries(ratios)) {
      expect({ badge, ratio, enough: ratio >= 4.5 }).toEqual({ badge, ratio, enough: true });
    }
    await page.close();
  });

  it('announces status changes of the opened call in an aria-live region', async () => {
    const call = await dash.ask('Announced: gearbox');
    const page = await dash.openAs('sam');
    await dash.rowOf(page, call.id).click();
    await page.locator('#events li', { hasText: 'Ringing the expert' }).waitFor();
    expect(await page.locator('#announcer').getAttribute('aria-live')).toBe('polite');
    sut.simulator.state.join(call.xassistCallId, 'erika');
    await page.locator('#announcer', { hasText: 'Announced: gearbox: Expert joined' }).waitFor();
    await page.close();
  });
});
