import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { BrokerHarness } from './support/broker-harness.js';
import { CHROMIUM_ARGS, describeIf, requireChromium } from './support/environment.js';

/** The dashboard as the expert's console: availability, offers, accept, decline, call back. */
const CHROMIUM = requireChromium("the dashboard as the expert's console");

/** erika has the pumps skill; ed has none (PEOPLE in the harness). */
const QUEUES = [
  {
    id: 'pumps',
    name: 'Pumps and compressors',
    skills: ['pumps'],
    strategy: 'ring_all',
    offerTimeoutSeconds: 60,
    maxWaitSeconds: 120,
    // tom marks a request urgent below; by default only supervisors and integrations may.
    urgentRoles: ['technician', 'supervisor'],
  },
  { id: 'brief', name: 'Brief line', skills: ['pumps'], offerTimeoutSeconds: 1, maxWaitSeconds: 2 },
];

/** Where the Frontline web client opens an xAssist call (the console links it after accept). */
const JOIN_URL_TEMPLATE = 'https://frontline.example.com/acme/#/call/{callId}';

/** Stands in for the browser's Notification, granted, and records what was shown. */
function recordNotifications(): void {
  const scope = globalThis as any;
  scope.__notifications = [];
  scope.Notification = class {
    static permission = 'granted';
    static requestPermission = async () => 'granted';
    onclick: unknown = null;
    constructor(title: string, options: { body: string }) {
      scope.__notifications.push({ title, body: options.body });
    }
    close() {}
  };
}

describeIf(CHROMIUM)("the dashboard as the expert's console", () => {
  let browser: Browser;
  let sut: BrokerHarness;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    sut = await new BrokerHarness({
      queues: QUEUES,
      env: {
        ROUTING_TICK_MS: '50',
        TECHNICIAN_JOIN_TIMEOUT_MS: '600000',
        XASSIST_JOIN_URL_TEMPLATE: JOIN_URL_TEMPLATE,
      },
    }).start();
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    const open = await sut.api('GET', '/v1/calls?status=active&limit=100', { as: 'sam' });
    for (const call of open.body.calls)
      await sut.api('POST', `/v1/calls/${call.id}/cancel`, { as: 'sam' });
    await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'away' } });
  });
  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
  });

  async function openAs(
    person: string,
    options: { viewport?: { width: number; height: number }; notifications?: boolean } = {},
  ): Promise<Page> {
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 1280, height: 800 },
    });
    contexts.push(context);
    const page = await context.newPage();
    if (options.notifications) await page.addInitScript(recordNotifications);
    await page.goto(`${sut.url}/#token=${sut.token(person)}`);
    await page.locator('#connection[data-state="live"]').waitFor();
    return page;
  }

  const queue = async (title: string, queueId = 'pumps', extra: Record<string, unknown> = {}) => {
    const answer = await sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { queueId, title, ...extra },
    });
    expect(answer.status).toBe(201);
    return answer.body;
  };
  const goAvailable = async (page: Page) => {
    await page.locator('#presence').waitFor();
    await page.click('#presence');
    await page.locator('#presence[data-presence="available"]').waitFor();
  };

  it('an expert goes available, sees a queued call as an offer with a live wait, and accepts it', async () => {
    const page = await openAs('erika');
    await page.locator('#presence[data-presence="away"]').waitFor();
    expect(await page.locator('#presence-text').innerText()).toBe('Away');
    await goAvailable(page);
    expect((await sut.api('GET', '/v1/experts', { as: 'sam' })).body.experts).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'erika', presence: 'available' })]),
    );

    const call = await queue('Pump 7 vibration', 'pumps', {
      priority: 'urgent',
      description: 'Bearing noise',
    });
    const offer = page.locator(`#offers li[data-call-id="${call.id}"]`);
    await offer.waitFor();
    const text = await offer.innerText();
    for (const part of ['Pump 7 vibration', 'Tom Technician', 'Pumps and compressors (pumps)'])
      expect(text).toContain(part);
    expect(text).toMatch(/urgent/i);
    const waited = await offer.locator('.offer-waiting').innerText();
    expect(waited).toMatch(/^\d+s$/);
    await page.waitForFunction(
      ([id, before]) =>
        (globalThis as any).document.querySelector(`li[data-call-id="${id}"] .offer-waiting`)
          ?.textContent !== before,
      [call.id, waited],
    );
    // The time left to accept, by the offer's expiresAt: at most the queue's 60 s, counting down.
    const left = await offer.locator('.offer-left-time').innerText();
    expect(left).toMatch(/^\d+s$/);
    expect(parseInt(left, 10)).toBeLessThanOrEqual(60);
    expect(parseInt(left, 10)).toBeGreaterThan(0);
    await page.waitForFunction(
      ([id, before]) =>
        (globalThis as any).document.querySelector(`li[data-call-id="${id}"] .offer-left-time`)
          ?.textContent !== before,
      [call.id, left],
    );
    expect(await offer.innerText()).toContain('left to accept');
    // Announced, and shown as a banner since this browser does not allow notifications.
    await page.locator('#announcer', { hasText: 'New request from Tom Technician' }).waitFor();
    await page.locator('.offer-banner', { hasText: 'Pump 7 vibration' }).waitFor();
    expect(await page.locator('#notify-note').isVisible()).toBe(true);
    // The queue with its waiting call, and the call itself queued in the table.
    await page
      .locator('#calls tr[data-status="queued"]', { hasText: 'Pump 7 vibration' })
      .waitFor();
    await page.screenshot({
      path: process.env.UPDATE_SCREENSHOT ? 'docs/dashboard.png' : join(tmpdir(), 'console.png'),
    });

    await offer.getByRole('button', { name: /^Accept/ }).click();
    await offer.waitFor({ state: 'detached' });
    expect(await page.locator('.offer-banner').count()).toBe(0);
    await page.locator('#my-call', { hasText: 'Pump 7 vibration' }).waitFor();
    await page.locator('#announcer', { hasText: 'You accepted Pump 7 vibration' }).waitFor();
    const taken = await sut.waitForCall(call.id, (c) => c.status === 'ringing');
    expect(taken.acceptedBy).toEqual({ id: 'erika', displayName: 'Erika Expert' });
    const row = page.locator(`#calls tr[data-call-id="${call.id}"]`);
    await row.and(page.locator('[data-status="ringing"]')).waitFor();
    await page.locator('#timeline-title', { hasText: 'Pump 7 vibration' }).waitFor();
    // How to join: xAssist rings the expert's own Frontline client; the web client's link too.
    await page
      .locator('#my-call .join-what', { hasText: 'ringing your Frontline client' })
      .waitFor();
    const link = page.locator('#my-call a.join-link');
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(
      `https://frontline.example.com/acme/#/call/${encodeURIComponent(taken.xassistCallId)}`,
    );
    await page.screenshot({
      path: process.env.UPDATE_SCREENSHOT
        ? 'docs/dashboard-after-accept.png'
        : join(tmpdir(), 'console-after-accept.png'),
    });

    sut.simulator.state.join(taken.xassistCallId, 'erika');
    await page.locator('#my-call .status', { hasText: 'Expert joined' }).waitFor();
    await page.locator('#events li', { hasText: 'Expert joined' }).waitFor();
  });

  it('shows a browser notification when allowed, and Decline passes the request on', async () => {
    const page = await openAs('erika', { notifications: true });
    await goAvailable(page);
    expect(await page.locator('#notify-note').isVisible()).toBe(false);
    const call = await queue('Valve 3 leak');
    const offer = page.locator(`#offers li[data-call-id="${call.id}"]`);
    await offer.waitFor();
    expect(await page.evaluate(() => (globalThis as any).__notifications)).toEqual([
      {
        title: 'New expert request',
        body: 'Tom Technician in Pumps and compressors: Valve 3 leak',
      },
    ]);
    expect(await page.locator('.offer-banner').count()).toBe(0);

    await offer.getByRole('button', { name: /^Decline/ }).click();
    await offer.waitFor({ state: 'detached' });
    await page.locator('#announcer', { hasText: 'You declined Valve 3 leak' }).waitFor();
    expect(
      (await sut.api('GET', '/v1/offers?status=pending', { as: 'erika' })).body.offers,
    ).toEqual([]);
    expect((await sut.api('GET', `/v1/calls/${call.id}`, { as: 'sam' })).body.status).toBe(
      'queued',
    );
  });

  it('lets an expert call back a technician whose request went unanswered', async () => {
    const page = await openAs('erika');
    const call = await queue('Compressor alarm', 'brief');
    const row = page.locator(`#calls tr[data-call-id="${call.id}"]`);
    await row.and(page.locator('[data-status="unanswered"]')).waitFor({ timeout: 10_000 });
    expect(await row.locator('.waiting').innerText()).toMatch(/^waited \ds$/);

    await row.getByRole('button', { name: 'Call back Tom Technician' }).click();
    const back = page.locator('#calls tr', { hasText: 'Call back: Compressor alarm' });
    await back.and(page.locator('[data-status="ringing"]')).waitFor();
    const { calls } = (await sut.api('GET', '/v1/calls?status=active', { as: 'sam' })).body;
    const created = calls.find((c: any) => c.title === 'Call back: Compressor alarm');
    expect(created.technician.id).toBe('tom');
    expect(created.experts.map((e: any) => e.id)).toEqual(['erika']);
    expect(created.queue).toBeNull();
  });

  it("shows supervisors experts' presence live and each queue's waiting count and longest wait", async () => {
    const page = await openAs('sam');
    const erika = page.locator('#experts tr[data-expert-id="erika"]');
    await erika.waitFor();
    await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'available' } });
    await page.locator('#experts tr[data-expert-id="erika"][data-presence="available"]').waitFor();
    await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'away' } });
    await page.locator('#experts tr[data-expert-id="erika"][data-presence="away"]').waitFor();

    await queue('Waiting: pump 9');
    const pumps = page.locator('#queues tr[data-queue-id="pumps"]');
    await pumps.locator('.queue-waiting', { hasText: '1' }).waitFor();
    // Erika is away and the only pumps expert: the row says nobody can take it, and why.
    const waiting = page
      .locator('#calls tbody tr', { hasText: 'Waiting: pump 9' })
      .locator('.queue');
    await waiting.filter({ hasText: 'nobody can take it now' }).waitFor();
    expect(await waiting.getAttribute('title')).toMatch(/^Nobody can take this request now/);
    const longest = await pumps.locator('.queue-longest').innerText();
    expect(longest).toMatch(/^\d+s$/);
    await page.waitForFunction(
      (before) =>
        (globalThis as any).document.querySelector('tr[data-queue-id="pumps"] .queue-longest')
          ?.textContent !== before,
      longest,
    );
    expect(await pumps.locator('.queue-available').innerText()).toBe('0');
  });

  it('fits a 390 px phone with an offer showing', async () => {
    const page = await openAs('erika', { viewport: { width: 390, height: 844 } });
    await goAvailable(page);
    await queue('Phone: pump 4 pressure drop at the north cooling tower');
    await page.locator('#offers li').waitFor();
    expect(
      await page.evaluate(() => (globalThis as any).document.scrollingElement.scrollWidth),
    ).toBeLessThanOrEqual(390);
    await page.screenshot({
      path: process.env.UPDATE_SCREENSHOT
        ? 'docs/dashboard-phone.png'
        : join(tmpdir(), 'dashboard-phone.png'),
    });
  });
});
