import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { CHROMIUM_ARGS, describeIf, requireChromium } from './support/environment.js';

/**
 * The dashboard as a person meets it: on a phone, by keyboard, with a screen reader's live
 * region, after a reload. The expert's console (offers, accept, decline) is in
 * dashboard-routing.e2e-spec.ts.
 */
const CHROMIUM = requireChromium('the dashboard on a phone, by keyboard and after a reload');

const PHONE = { width: 390, height: 844 };

describeIf(CHROMIUM)('the dashboard on a phone, by keyboard and after a reload', () => {
  let browser: Browser;
  let sut: BrokerHarness;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    sut = await new BrokerHarness({ env: { TECHNICIAN_JOIN_TIMEOUT_MS: '600000' } }).start();
  });
  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
  });

  async function openAs(person: string, viewport = { width: 1280, height: 720 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    await page.goto(`${sut.url}/#token=${sut.token(person)}`);
    await page.locator('#connection[data-state="live"]').waitFor();
    return page;
  }

  const ask = async (title: string, expertIds = ['erika']) =>
    (await sut.api('POST', '/v1/calls', { as: 'tom', body: { expertIds, title } })).body;
  const rowOf = (page: Page, callId: string) => page.locator(`#calls tr[data-call-id="${callId}"]`);

  it('serves /favicon.ico (an SVG) instead of a 404', async () => {
    const answer = await sut.api('GET', '/favicon.ico');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(String(answer.body)).toContain('<svg');
  });

  it('fits a 390 px phone without sideways scrolling and shows the timeline on screen', async () => {
    const call = await ask(
      'Centrifugal pump 7 at the north cooling tower: vibration above 12 mm/s since the Monday night shift',
    );
    sut.simulator.state.join(call.xassistCallId, 'erika');
    const page = await openAs('sam', PHONE);
    const row = rowOf(page, call.id);
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
    const first = await ask('Keyboard: valve 1');
    const second = await ask('Keyboard: valve 2');
    const page = await openAs('sam');
    await rowOf(page, first.id).waitFor();
    await rowOf(page, second.id).waitFor();

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
    const page = await openAs('sam');
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

  it("opens a group page's console link (/#call=<id>) on that request, also after signing in by the form", async () => {
    const call = await ask('Console link: compressor 3');
    const page = await browser.newPage();
    await page.goto(`${sut.url}/#call=${call.id}`);
    await page.locator('#login').waitFor();
    await page.fill('#token', sut.token('sam'));
    await page.press('#token', 'Enter');
    await page.locator('#timeline-title', { hasText: 'Console link: compressor 3' }).waitFor();
    await page.locator('#events li', { hasText: 'Ringing the expert' }).waitFor();
    await page.close();

    const signedIn = await openAs('sam');
    await signedIn.evaluate((id) => ((globalThis as any).location.hash = `call=${id}`), call.id);
    await signedIn.locator('#timeline-title', { hasText: 'Console link: compressor 3' }).waitFor();
    await signedIn.close();
  });

  it('announces status changes of the opened call in an aria-live region', async () => {
    const call = await ask('Announced: gearbox');
    const page = await openAs('sam');
    await rowOf(page, call.id).click();
    await page.locator('#events li', { hasText: 'Ringing the expert' }).waitFor();
    expect(await page.locator('#announcer').getAttribute('aria-live')).toBe('polite');
    sut.simulator.state.join(call.xassistCallId, 'erika');
    await page.locator('#announcer', { hasText: 'Announced: gearbox: Expert joined' }).waitFor();
    await page.close();
  });

  it('updates one row for a change and leaves the others untouched', async () => {
    const calls = [await ask('One row: A'), await ask('One row: B'), await ask('One row: C')];
    const page = await openAs('sam');
    for (const call of calls) await rowOf(page, call.id).waitFor();
    await page.evaluate(() =>
      (globalThis as any).document
        .querySelectorAll('#calls tbody tr')
        .forEach((row: any) => (row.__old = true)),
    );
    sut.simulator.state.join(calls[1].xassistCallId, 'erika');
    await rowOf(page, calls[1].id).and(page.locator('[data-status="expert_joined"]')).waitFor();
    const old = await page.evaluate(() =>
      [...(globalThis as any).document.querySelectorAll('#calls tbody tr')]
        .filter((row: any) => row.__old)
        .map((row: any) => row.dataset.callId),
    );
    expect(old).toEqual(expect.arrayContaining([calls[0].id, calls[2].id]));
    expect(old).not.toContain(calls[1].id);
    await page.close();
  });

  it('stays fast with 1,000 rows: drawn once, then a change touches only its own row', async () => {
    const sample = await ask('Thousand: sample');
    await sut.api('POST', `/v1/calls/${sample.id}/cancel`, { as: 'tom' });
    const base = (await sut.api('GET', `/v1/calls/${sample.id}`, { as: 'sam' })).body;
    const history = Array.from({ length: 1000 }, (_, i) => ({
      ...base,
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      title: `History ${i}`,
      createdAt: new Date(Date.parse(base.createdAt) - (i + 1) * 60_000).toISOString(),
    }));
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    // The recent history as if the broker had kept 1,000 ended calls.
    await page.route('**/v1/calls?status=all*', (route) =>
      route.fulfill({ json: { calls: history, nextCursor: null } }),
    );
    // How fast is for the benchmarks, not for a timed assertion on a shared machine: here, that
    // all 1,000 rows are drawn, and that a change then redraws its own row only.
    await page.goto(`${sut.url}/#token=${sut.token('sam')}`);
    await page.waitForFunction(
      () => (globalThis as any).document.querySelectorAll('#calls tbody tr').length >= 1000,
    );
    await page.evaluate(() =>
      (globalThis as any).document
        .querySelectorAll('#calls tbody tr')
        .forEach((row: any) => (row.__old = true)),
    );
    const live = await ask('Thousand: live');
    sut.simulator.state.join(live.xassistCallId, 'erika');
    await rowOf(page, live.id).and(page.locator('[data-status="expert_joined"]')).waitFor();
    const redrawn = await page.evaluate(
      () =>
        [...(globalThis as any).document.querySelectorAll('#calls tbody tr')].filter(
          (row: any) => !row.__old,
        ).length,
    );
    expect(redrawn).toBe(1);
    // Newest first: the live call on top, the history below it in order.
    expect(await page.locator('#calls tbody tr').first().getAttribute('data-call-id')).toBe(
      live.id,
    );
    await page.close();
  });

  it('still shows ended and cancelled calls after a reload, with time to answer and duration', async () => {
    const ended = await ask('History: ended');
    sut.simulator.state.join(ended.xassistCallId, 'erika');
    await sut.waitForCall(ended.id, (call) => call.status === 'expert_joined');
    sut.simulator.state.join(ended.xassistCallId, 'tom');
    const connected = await sut.waitForCall(ended.id, (call) => call.status === 'connected');
    // Connected for a whole second as the broker recorded it, so the duration shown is not 0 s.
    const since = Date.parse(connected.connectedAt);
    expect(
      await waitFor(
        async () => Date.now() - since,
        (ms) => ms >= 1000,
        3000,
      ),
    ).toBeGreaterThanOrEqual(1000);
    sut.simulator.state.end(ended.xassistCallId);
    await sut.waitForCall(ended.id, (call) => call.status === 'ended');
    const cancelled = await ask('History: cancelled');
    await sut.api('POST', `/v1/calls/${cancelled.id}/cancel`, { as: 'tom' });

    const page = await openAs('erika');
    await page.reload();
    await page.locator('#connection[data-state="live"]').waitFor();
    const endedRow = rowOf(page, ended.id).and(page.locator('[data-status="ended"]'));
    await endedRow.waitFor();
    expect(await endedRow.locator('.waiting').innerText()).toMatch(/^answered in \d+s$/);
    expect(await endedRow.locator('.duration').innerText()).toMatch(/^[1-9]\d*s$/);
    // Its date, not only a time: the history reaches back past today.
    const when = endedRow.locator('.when time');
    expect(await when.getAttribute('datetime')).toBe(connected.createdAt);
    expect(await when.innerText()).toContain(String(new Date(connected.createdAt).getFullYear()));
    const cancelledRow = rowOf(page, cancelled.id).and(page.locator('[data-status="cancelled"]'));
    await cancelledRow.waitFor();
    expect(await cancelledRow.locator('.status').innerText()).toBe('Cancelled');
    expect(await cancelledRow.locator('.waiting').innerText()).toMatch(/^waited \d+s$/);
    await page.close();
  });

  it('finds a call by its externalRef with the search box and opens it', async () => {
    const ref = `SAP-WO-${Date.now()}`;
    const wanted = await sut.api('POST', '/v1/calls', {
      as: 'erp',
      body: {
        technicianId: 'tom',
        expertIds: ['erika'],
        title: 'Search: gearbox',
        externalRef: ref,
      },
    });
    await ask('Search: another call');
    const page = await openAs('erika');
    await page.fill('#call-search-text', ref.slice(4));
    await page.press('#call-search-text', 'Enter');
    await page.locator('#search-summary', { hasText: '1 call found' }).waitFor();
    const hits = page.locator('#search-list .search-hit');
    expect(await hits.count()).toBe(1);
    expect(await hits.first().getAttribute('data-call-id')).toBe(wanted.body.id);
    expect(await hits.first().innerText()).toContain(ref);
    await hits.first().click();
    await page.locator('#timeline-title', { hasText: 'Search: gearbox' }).waitFor();
    await page.locator('#call-context dd', { hasText: ref }).waitFor();

    await page.fill('#call-search-text', '');
    await page.locator('#search-results').waitFor({ state: 'hidden' });
    await page.close();
  });
});
