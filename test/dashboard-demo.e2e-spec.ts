import { chromium, type Browser } from 'playwright-core';
import { BrokerHarness } from './support/broker-harness.js';
import { CHROMIUM_ARGS, describeIf, requireChromium } from './support/environment.js';
import { DEMO_EXPERT, PEOPLE } from './support/people.js';

const CHROMIUM = requireChromium('the demo through the queue, in the dashboard');

/** The demo's queue as a suite writes it: everyone with the pumps skill is offered at once. */
const PUMPS = {
  id: 'pumps',
  name: 'Pumps and compressors',
  skills: ['pumps'],
  strategy: 'ring_all',
  offerTimeoutSeconds: 60,
  maxWaitSeconds: 120,
};

describeIf(CHROMIUM)('the demo through the queue', () => {
  let browser: Browser;
  let sut: BrokerHarness;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    sut = await new BrokerHarness({
      demoMode: true,
      people: [...PEOPLE, DEMO_EXPERT],
      queues: [PUMPS],
      env: { ROUTING_TICK_MS: '50' },
      simulator: { demo: { expertJoinAfterMs: 300, technicianJoinAfterMs: 300, endAfterMs: 600 } },
    }).start();
  });
  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
  });

  it('an expert asks for a demo call, is offered it, accepts and sees it end', async () => {
    const session = await sut.api('GET', '/v1/session', { as: 'erika' });
    expect(session.body.demoCall).toEqual({
      technicianId: 'tom',
      expertIds: ['erika'],
      queueId: 'pumps',
    });
    const page = await browser.newPage();
    await page.goto(`${sut.url}/#token=${sut.token('erika')}`);
    await page.locator('#connection[data-state="live"]').waitFor();
    await page.click('#demo-call');
    await page.locator('#presence[data-presence="available"]').waitFor();
    const offer = page.locator('#offers li', { hasText: 'Demo: pump 7 vibration' });
    await offer.waitFor();
    await offer.getByRole('button', { name: /^Accept/ }).click();
    await page.locator('#calls tbody tr[data-status="ended"]').waitFor({ timeout: 10_000 });
    await page.locator('#events li', { hasText: 'Call ended' }).waitFor();
    await page.close();
  });

  it('a supervisor asks for a demo call: it is queued, a demo expert takes it, and it ends', async () => {
    const session = await sut.api('GET', '/v1/session', { as: 'sam' });
    expect(session.body.demoCall.queueId).toBe('pumps');
    const page = await browser.newPage();
    await page.goto(`${sut.url}/#token=${sut.token('sam')}`);
    await page.locator('#connection[data-state="live"]').waitFor();
    await page.click('#demo-call');
    const row = page.locator('#calls tbody tr', { hasText: 'Demo: pump 7 vibration' }).first();
    await row.and(page.locator('[data-status="queued"]')).waitFor();
    await row.and(page.locator('[data-status="ended"]')).waitFor({ timeout: 20_000 });
    expect(await row.locator('.experts').innerText()).toMatch(/Dana Demo/);
    await row.click();
    await page.locator('#events li', { hasText: 'Taken by the demo expert' }).waitFor();
    await page.close();
  }, 30_000);
});
