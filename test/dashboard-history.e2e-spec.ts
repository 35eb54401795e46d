import { waitFor } from './support/broker-harness.js';
import { DashboardBrowser } from './support/dashboard-browser.js';
import { describeIf, requireChromium } from './support/environment.js';

/**
 * The dashboard's calls table over time: one row redrawn per change (also among 1,000), the
 * history after a reload, the search box, and a group page's console link to one call. Layout
 * and access (phone, keyboard, contrast, live region) are in dashboard-access.e2e-spec.ts.
 */
const CHROMIUM = requireChromium('the dashboard calls table, its history and search');

describeIf(CHROMIUM)('the dashboard calls table, its history and search', () => {
  const dash = new DashboardBrowser({ env: { TECHNICIAN_JOIN_TIMEOUT_MS: '600000' } });
  let sut: DashboardBrowser['sut'];
  let browser: DashboardBrowser['browser'];

  beforeAll(async () => {
    ({ sut, browser } = await dash.start(CHROMIUM!));
  });
  afterAll(() => dash.stop());

  it("opens a group page's console link (/#call=<id>) on that request, also after signing in by the form", async () => {
    const call = await dash.ask('Console link: compressor 3');
    const page = await browser.newPage();
    await page.goto(`${sut.url}/#call=${call.id}`);
    await page.locator('#login').waitFor();
    await page.fill('#token', sut.token('sam'));
    await page.press('#token', 'Enter');
    await page.locator('#timeline-title', { hasText: 'Console link: compressor 3' }).waitFor();
    await page.locator('#events li', { hasText: 'Ringing the expert' }).waitFor();
    await page.close();

    const signedIn = await dash.openAs('sam');
    await signedIn.evaluate((id) => ((globalThis as any).location.hash = `call=${id}`), call.id);
    await signedIn.locator('#timeline-title', { hasText: 'Console link: compressor 3' }).waitFor();
    await signedIn.close();
  });

  it('updates one row for a change and leaves the others untouched', async () => {
    const calls = [
      await dash.ask('One row: A'),
      await dash.ask('One row: B'),
      await dash.ask('One row: C'),
    ];
    const page = await dash.openAs('sam');
    for (const call of calls) await dash.rowOf(page, call.id).waitFor();
    await page.evaluate(() =>
      (globalThis as any).document
        .querySelectorAll('#calls tbody tr')
        .forEach((row: any) => (row.__old = true)),
    );
    sut.simulator.state.join(calls[1].xassistCallId, 'erika');
    await dash
      .rowOf(page, calls[1].id)
      .and(page.locator('[data-status="expert_joined"]'))
      .waitFor();
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
    const sample = await dash.ask('Thousand: sample');
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
    const live = await dash.ask('Thousand: live');
    sut.simulator.state.join(live.xassistCallId, 'erika');
    await dash.rowOf(page, live.id).and(page.locator('[data-status="expert_joined"]')).waitFor();
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
    const ended = await dash.ask('History: ended');
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
    const cancelled = await dash.ask('History: cancelled');
    await sut.api('POST', `/v1/calls/${cancelled.id}/cancel`, { as: 'tom' });

    const page = await dash.openAs('erika');
    await page.reload();
    await page.locator('#connection[data-state="live"]').waitFor();
    const endedRow = dash.rowOf(page, ended.id).and(page.locator('[data-status="ended"]'));
    await endedRow.waitFor();
    expect(await endedRow.locator('.waiting').innerText()).toMatch(/^answered in \d+s$/);
    expect(await endedRow.locator('.duration').innerText()).toMatch(/^[1-9]\d*s$/);
    // Its date, not only a time: the history reaches back past today.
    const when = endedRow.locator('.when time');
    expect(await when.getAttribute('datetime')).toBe(connected.createdAt);
    expect(await when.innerText()).toContain(String(new Date(connected.createdAt).getFullYear()));
    const cancelledRow = dash
      .rowOf(page, cancelled.id)
      .and(page.locator('[data-status="cancelled"]'));
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
    await dash.ask('Search: another call');
    const page = await dash.openAs('erika');
    await page.fill('#call-search-text', ref.slice(4));
    await page.press('#call-search-text', 'Enter');
    // The search reaches back 30 days (GET /v1/calls?q= is bounded in time), and says so.
    await page.locator('#search-summary', { hasText: '1 call found' }).waitFor();
    expect(await page.locator('#search-summary').innerText()).toMatch(/in the last 30 days\.$/);
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
