import { cspViolations, recordCspViolations } from './support/dashboard-browser.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BrokerHarness } from './support/broker-harness.js';
import { CHROMIUM_ARGS, describeIf, requireChromium } from './support/environment.js';

/** The wrap-up form of the expert's console: it opens when her call ends and records it. */
const CHROMIUM = requireChromium("the dashboard's wrap-up form");

/** After-call work long enough to outlast the test: only the submitted form ends it. */
const QUEUES = [
  {
    id: 'pumps',
    name: 'Pumps',
    skills: ['pumps'],
    offerTimeoutSeconds: 60,
    maxWaitSeconds: 120,
    wrapUpSeconds: 600,
  },
];

describeIf(CHROMIUM)("the dashboard's wrap-up form", () => {
  let browser: Browser;
  let sut: BrokerHarness;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    sut = await new BrokerHarness({
      queues: QUEUES,
      env: { ROUTING_TICK_MS: '50', TECHNICIAN_JOIN_TIMEOUT_MS: '600000' },
    }).start();
  });
  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
  });

  async function openAs(person: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await recordCspViolations(page);
    await page.goto(`${sut.url}/#token=${sut.token(person)}`);
    await page.locator('#connection[data-state="live"]').waitFor();
    return page;
  }

  it('opens when her call ends, shows her wrapping up, refuses a bad link with the reason, saves the outcome; the timeline opens the printable summary', async () => {
    await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'available' } });
    const page = await openAs('erika');
    await page.locator('#presence[data-presence="available"]').waitFor();
    const { body: asked } = await sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { queueId: 'pumps', title: 'Pump 7 vibration', externalRef: 'SAP-WO-4711' },
    });
    const offer = page.locator(`#offers li[data-call-id="${asked.id}"]`);
    await offer.locator('.accept').click();
    const ringing = await sut.waitForCall(asked.id, (call) => call.xassistCallId !== null);
    expect(await page.locator('#wrap-up').isVisible()).toBe(false);
    sut.simulator.state.join(ringing.xassistCallId, 'erika');
    sut.simulator.state.join(ringing.xassistCallId, 'tom');
    await sut.waitForCall(asked.id, (call) => call.status === 'connected');
    sut.simulator.state.end(ringing.xassistCallId);

    const form = page.locator(`#wrap-up[data-call-id="${asked.id}"]`);
    await form.waitFor();
    await page.locator('#wrap-up-heading', { hasText: 'Wrap-up: Pump 7 vibration' }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe(
      'wrap-up-heading',
    );
    await page.locator('#presence-text', { hasText: 'Wrapping up' }).waitFor();

    await form.locator('input[value="follow_up"]').check();
    await form.locator('input[name="firstTimeFix"]').uncheck();
    await form.locator('#wrap-up-notes').fill('Bearing worn.\nParts ordered.');
    await form.locator('#wrap-up-links').fill('https://dms.acme.example/p/1\nftp://old.example/x');
    await form.locator('button[type="submit"]').click();
    await page.locator('#wrap-up-message', { hasText: 'Not saved:' }).waitFor();
    expect(await page.locator('#wrap-up-message').innerText()).toMatch(/http or https/);

    await form.locator('#wrap-up-links').fill('https://dms.acme.example/p/1\n\n');
    await form.locator('button[type="submit"]').click();
    await form.waitFor({ state: 'hidden' });
    await page.locator('#announcer', { hasText: 'Wrap-up of Pump 7 vibration saved' }).waitFor();
    await page.locator('#presence-text', { hasText: /^Available$/ }).waitFor();

    const { body: summary } = await sut.api('GET', `/v1/calls/${asked.id}/summary`, { as: 'sam' });
    expect(summary).toMatchObject({
      externalRef: 'SAP-WO-4711',
      outcome: 'follow_up',
      firstTimeFix: false,
      wrapUp: {
        notes: 'Bearing worn.\nParts ordered.',
        links: ['https://dms.acme.example/p/1'],
        by: { id: 'erika' },
      },
    });

    // The timeline of the ended call opens its printable summary in a new tab.
    await page.locator(`#calls tr[data-call-id="${asked.id}"]`).click();
    const [summaryTab] = await Promise.all([
      page.waitForEvent('popup'),
      page.click('#timeline-summary'),
    ]);
    await summaryTab.locator('h1', { hasText: 'Call summary: Pump 7 vibration' }).waitFor();
    const printed = await summaryTab.locator('body').innerText();
    for (const part of ['SAP-WO-4711', 'follow-up needed', 'Parts ordered.', 'Erika Expert'])
      expect(printed).toContain(part);
    // Shown in the dashboard's origin, it has no handle back on the page holding the token.
    expect(await summaryTab.evaluate(() => (globalThis as any).opener === null)).toBe(true);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  });
});
