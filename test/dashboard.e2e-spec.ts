import { cspViolations, recordCspViolations } from './support/dashboard-browser.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BrokerHarness, PEOPLE } from './support/broker-harness.js';
import { CHROMIUM_ARGS, describeIf, requireChromium } from './support/environment.js';
import { DEMO_EXPERT } from './support/people.js';

/** Debian's Chromium or another found by the helper; .ci/run installs it when missing. */
const CHROMIUM = requireChromium('the expert dashboard in a real browser');

describeIf(CHROMIUM)('the expert dashboard in a real browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  const statusOf = (page: Page, callId: string) =>
    page.locator(`#calls tr[data-call-id="${callId}"]`);

  describe('against a broker', () => {
    let sut: BrokerHarness;
    let page: Page;

    beforeAll(async () => {
      sut = await new BrokerHarness({ env: { TECHNICIAN_JOIN_TIMEOUT_MS: '600000' } }).start();
      page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    });
    afterAll(async () => {
      await page?.close();
      await sut.stop();
    });

    it('shows a call created over REST and follows its status live', async () => {
      await page.goto(`${sut.url}/?token=${sut.token('sam')}`);
      await page.locator('#connection[data-state="live"]').waitFor();
      expect(page.url()).not.toContain('token=');
      await page.getByText('Sam Supervisor').waitFor();
      expect(await page.locator('#login').isVisible()).toBe(false);
      expect(await page.locator('#demo-call').isVisible()).toBe(false);

      const { body: call } = await sut.api('POST', '/v1/calls', {
        as: 'erp',
        body: {
          technicianId: 'tom',
          expertIds: ['erika'],
          title: 'Pump 7 vibration',
          description: 'Bearing noise <b>since Monday</b>',
          externalRef: 'SAP-WO-4711',
          metadata: { site: 'Plant 3' },
        },
      });
      const row = statusOf(page, call.id);
      await row.and(page.locator('[data-status="ringing"]')).waitFor();
      await row.getByText('Tom Technician').waitFor();

      sut.simulator.state.join(call.xassistCallId, 'erika');
      await row.and(page.locator('[data-status="expert_joined"]')).waitFor();
      await row.getByText('Erika Expert ✓').waitFor();

      await row.click();
      await page.locator('#events li', { hasText: 'Expert joined' }).waitFor();
      // The caller's context, shown as text (never as markup) beside the timeline.
      await page
        .locator('#call-description', { hasText: 'Bearing noise <b>since Monday</b>' })
        .waitFor();
      expect(await page.locator('#timeline b').count()).toBe(0);
      const context = await page.locator('#call-context').innerText();
      expect(context).toMatch(/Reference\s+SAP-WO-4711/);
      expect(context).toMatch(/site\s+Plant 3/);
      sut.simulator.state.join(call.xassistCallId, 'tom');
      await row.and(page.locator('[data-status="connected"]')).waitFor();
      await page.locator('#events li', { hasText: 'Technician joined: connected' }).waitFor();
      // UPDATE_SCREENSHOT=1 npm test -- test/dashboard refreshes the pictures in docs/.
      await page.screenshot({
        path: process.env.UPDATE_SCREENSHOT
          ? 'docs/dashboard-supervisor.png'
          : join(tmpdir(), 'dashboard.png'),
      });

      const seqs = await page
        .locator('#events li')
        .evaluateAll((items) => items.map((li) => Number((li as any).dataset.seq)));
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    });

    it('shows that it is reconnecting after a drop and resyncs without a reload', async () => {
      await page.goto(`${sut.url}/?token=${sut.token('sam')}`);
      await page.locator('#connection[data-state="live"]').waitFor();
      const { body: call } = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { expertIds: ['ed'], title: 'Valve 3 leak' },
      });
      const row = statusOf(page, call.id);
      await row.and(page.locator('[data-status="ringing"]')).waitFor();
      await row.click();
      await page.locator('#events li', { hasText: 'Created on xAssist' }).waitFor();
      await page.evaluate(() => ((globalThis as any).__notReloaded = true));

      const port = sut.port;
      await sut.stopBroker();
      await page.locator('#connection[data-state="reconnecting"]').waitFor();
      sut.simulator.state.join(call.xassistCallId, 'ed');
      await sut.startBroker(port);

      await page.locator('#connection[data-state="live"]').waitFor({ timeout: 15_000 });
      await row.and(page.locator('[data-status="expert_joined"]')).waitFor();
      await page.locator('#events li', { hasText: 'Expert joined' }).waitFor();
      expect(await page.evaluate(() => (globalThis as any).__notReloaded)).toBe(true);
      const seqs = await page
        .locator('#events li')
        .evaluateAll((items) => items.map((li) => Number((li as any).dataset.seq)));
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    });

    it('opens from a #token= link under its strict CSP and wipes the token from the address bar', async () => {
      const fresh = await browser.newPage();
      await recordCspViolations(fresh);
      const token = sut.token('sam');
      await fresh.goto(`${sut.url}/#token=${token}`);
      await fresh.locator('#connection[data-state="live"]').waitFor();
      expect(fresh.url()).toBe(`${sut.url}/`);
      const { body: call } = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { expertIds: ['erika'], title: 'Gearbox noise' },
      });
      await statusOf(fresh, call.id).waitFor();
      expect(await cspViolations(fresh)).toEqual([]);
      expect(sut.log.lines.filter((line) => line.includes(token))).toEqual([]);
      await fresh.close();
    });

    it('asks for a token when it has none or a bad one', async () => {
      const fresh = await browser.newPage();
      await fresh.goto(`${sut.url}/`);
      await fresh.locator('#login').waitFor();
      await fresh.fill('#token', 'not-a-token');
      await fresh.click('#login button');
      await fresh.getByText(/does not open the dashboard: token is not a JWT/).waitFor();
      await fresh.fill('#token', sut.token('erika'));
      await fresh.click('#login button');
      await fresh.locator('#connection[data-state="live"]').waitFor();
      await fresh.close();
    });
  });

  describe('in demo mode', () => {
    let sut: BrokerHarness;

    beforeAll(async () => {
      sut = await new BrokerHarness({
        demoMode: true,
        // Demo mode needs its demo expert among the directory's people (issue 22).
        people: [...PEOPLE, DEMO_EXPERT],
        simulator: {
          demo: { expertJoinAfterMs: 300, technicianJoinAfterMs: 300, endAfterMs: 600 },
        },
      }).start();
    });
    afterAll(async () => {
      await sut.stop();
    });

    it('has a button that asks for a demo call, which goes from ringing to ended', async () => {
      const page = await browser.newPage();
      await page.goto(`${sut.url}/?token=${sut.token('sam')}`);
      await page.locator('#connection[data-state="live"]').waitFor();
      // Every status the row shows, as the page sets it: a status can last less than any
      // sampling interval under load, a mutation record cannot be missed.
      await page.evaluate(`{
        const seen = (window.statusesSeen = []);
        new MutationObserver((records) => {
          for (const record of records) {
            if (record.type === 'attributes') seen.push(record.oldValue);
            for (const node of record.type === 'childList' ? record.addedNodes : [])
              if (node.dataset?.status) seen.push(node.dataset.status);
          }
        }).observe(document.querySelector('#calls tbody'), {
          subtree: true,
          childList: true,
          attributeFilter: ['data-status'],
          attributeOldValue: true,
        });
      }`);
      await page.click('#demo-call');
      await page.locator('#calls tbody tr[data-status="ended"]').first().waitFor();
      const seen = (await page.evaluate('window.statusesSeen')) as string[];
      // Each step once and in order (the row may be drawn again with the same status).
      const steps = ['ringing', 'expert_joined', 'connected'];
      const shown = seen.filter((status, i) => steps.includes(status) && status !== seen[i - 1]);
      expect(shown).toEqual(steps);
      for (const step of ['Expert joined', 'Technician joined: connected', 'Call ended'])
        await page.locator('#events li', { hasText: step }).first().waitFor();
      await page.close();
    });
  });
});
