import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardBrowser } from './support/dashboard-browser.js';
import { describeIf, requireChromium } from './support/environment.js';

/** The console's callbacks: listed above the requests, taken with "Call back". */
const CHROMIUM = requireChromium("the console's callbacks");

/** Nobody is available: every request waits out its second and becomes a callback. */
const QUEUES = [
  {
    id: 'pumps',
    name: 'Pumps and compressors',
    skills: ['pumps'],
    maxWaitSeconds: 1,
    callbackOnUnanswered: true,
  },
  { id: 'anyone', name: 'Anything else', maxWaitSeconds: 1, callbackOnUnanswered: true },
];

describeIf(CHROMIUM)("the console's callbacks", () => {
  const dashboard = new DashboardBrowser({ queues: QUEUES, env: { ROUTING_TICK_MS: '50' } });
  const screenshot = (name: string) =>
    process.env.UPDATE_SCREENSHOT ? `docs/${name}` : join(tmpdir(), name);

  /** A request to `queueId` that waited out its second and became a callback. */
  const askForCallback = async (title: string, queueId: string) => {
    const { body } = await dashboard.sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { queueId, title, description: 'Nobody was free at night.' },
    });
    return dashboard.sut.waitForCall(body.id, (call) => call.status === 'callback_pending');
  };

  beforeAll(async () => {
    await dashboard.start(CHROMIUM!);
  });
  afterAll(async () => {
    await dashboard.stop();
  });

  it('lists callbacks oldest first above the requests; Call back rings the expert and the list empties', async () => {
    const { sut } = dashboard;
    const ask = (title: string) => askForCallback(title, 'pumps');
    const first = await ask('Pump 7 vibration');
    const second = await ask('Valve 3 leaking');
    const page = await dashboard.openAs('erika');
    const cards = page.locator('#callbacks li');
    await cards.nth(1).waitFor();
    const ids = await cards.evaluateAll((items) => items.map((item: any) => item.dataset.callId));
    expect(ids).toEqual([first.id, second.id]);
    expect(await page.locator('#callbacks-empty').isHidden()).toBe(true);
    // Above the requests for the expert; the calls table says so too.
    const lists = await page
      .locator('#console > ul')
      .evaluateAll((items) => items.map((item: any) => item.id));
    expect(lists).toEqual(['callbacks', 'offers']);
    await page
      .locator(`#calls tr[data-call-id="${first.id}"][data-status="callback_pending"]`)
      .waitFor();
    const text = await cards.first().innerText();
    for (const part of ['Pump 7 vibration', 'Tom Technician', 'Pumps and compressors'])
      expect(text).toContain(part);
    await page
      .locator('#queues tr[data-queue-id="pumps"] .queue-callbacks', { hasText: '2' })
      .waitFor();
    await page.screenshot({ path: screenshot('dashboard-callbacks.png') });

    // A request arriving as a callback while the console is open appears at once.
    const third = await ask('Compressor 2 overheating');
    await page.locator(`#callbacks li[data-call-id="${third.id}"]`).waitFor();

    await cards
      .first()
      .getByRole('button', { name: /^Call back Tom Technician/ })
      .click();
    await page.locator(`#callbacks li[data-call-id="${first.id}"]`).waitFor({ state: 'detached' });
    await page.locator('#announcer', { hasText: 'Calling back Tom Technician' }).waitFor();
    const taken = await sut.waitForCall(first.id, (call) => call.status === 'ringing');
    expect(taken.acceptedBy).toEqual({ id: 'erika', displayName: 'Erika Expert' });

    // Withdrawn by the technician: it leaves the list.
    await sut.api('POST', `/v1/calls/${second.id}/cancel`, { as: 'tom' });
    await page.locator(`#callbacks li[data-call-id="${second.id}"]`).waitFor({ state: 'detached' });
    await page.close();
  });

  it("lists only the callbacks this expert may take: another queue's skills are not theirs", async () => {
    const pumps = await askForCallback('Pump 9 noise', 'pumps');
    const other = await askForCallback('Forklift 1 warning light', 'anyone');
    // ed has no skills: the pumps queue's callbacks would answer him 403, so they are not shown.
    const page = await dashboard.openAs('ed');
    await page.locator(`#callbacks li[data-call-id="${other.id}"]`).waitFor();
    // The list is drawn in one pass once the queues are known: the card above shows it ran.
    expect(await page.locator(`#callbacks li[data-call-id="${pumps.id}"]`).count()).toBe(0);
    await page.close();
  });
});
