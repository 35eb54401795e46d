import { DateTime } from 'luxon';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import {
  DashboardBrowser,
  DESKTOP,
  PHONE,
  recordCspViolations,
  cspViolations,
} from './support/dashboard-browser.js';
import { waitFor } from './support/broker-harness.js';
import { requireChromium, describeIf } from './support/environment.js';

/** The expert's upcoming booked sessions: listed soonest first, Join at the time, kept current. */
const CHROMIUM = requireChromium("the dashboard's upcoming sessions");

/** A closed loopback port: the web client's link is only looked at, never served. */
const JOIN_URL_TEMPLATE = 'http://127.0.0.1:9/frontline/call/{callId}';
/** The viewer sits elsewhere than either session: both local times must show. */
const VIEWER_ZONE = 'America/New_York';
const MINUTE = 60_000;

/** A whole minute `minutes` from now, as ISO-8601 UTC. */
function minutesAhead(minutes: number): string {
  return new Date(Math.ceil(Date.now() / MINUTE) * MINUTE + minutes * MINUTE).toISOString();
}
const hhmm = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toFormat('HH:mm');

/** The one VEVENT of an .ics file: its properties by name (folded lines unfolded). */
function calendarEvent(ics: string): Record<string, string | undefined> {
  const text = ics.replace(/\r\n[ \t]/g, '');
  const event = text.slice(text.indexOf('BEGIN:VEVENT'), text.indexOf('END:VEVENT'));
  const value = (name: string) => event.match(new RegExp(`^${name}([:;].*)$`, 'm'))?.[1];
  return {
    uid: value('UID'),
    summary: value('SUMMARY'),
    sequence: value('SEQUENCE'),
    start: value('DTSTART'),
    status: value('STATUS'),
  };
}

describeIf(CHROMIUM)("the dashboard's upcoming sessions", () => {
  const dashboard = new DashboardBrowser({
    env: { TECHNICIAN_JOIN_TIMEOUT_MS: '600000', XASSIST_JOIN_URL_TEMPLATE: JOIN_URL_TEMPLATE },
  });
  const contexts: BrowserContext[] = [];

  beforeAll(() => dashboard.start(CHROMIUM!));
  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await dashboard.stop();
  });

  async function openAs(person: string, viewport = DESKTOP, fakeClock = false): Promise<Page> {
    const context = await dashboard.browser.newContext({
      viewport,
      timezoneId: VIEWER_ZONE,
      locale: 'en-GB',
    });
    contexts.push(context);
    const page = await context.newPage();
    // The page's own clock, moved on by the test; it flows as usual in between.
    if (fakeClock) await page.clock.install();
    await recordCspViolations(page);
    await page.goto(`${dashboard.sut.url}/#token=${dashboard.sut.token(person)}`);
    await page.locator('#connection[data-state="live"]').waitFor();
    return page;
  }

  async function book(
    title: string,
    startsAt: string,
    timeZone: string,
    expert = 'erika',
    durationMinutes = 45,
  ): Promise<any> {
    const booked = await dashboard.sut.api('POST', '/v1/appointments', {
      as: 'tom',
      body: { expertIds: [expert], title, startsAt, timeZone, durationMinutes },
    });
    expect(booked.status).toBe(201);
    return booked.body;
  }

  const item = (page: Page, appointmentId: string) =>
    page.locator(`#sessions li[data-appointment-id="${appointmentId}"]`);

  it('lists her sessions soonest first with both local times; Join is open near the start, says when otherwise; a move and a cancel show at once', async () => {
    // Booked tomorrow first, so the list's order is the page's doing, not the booking order.
    const far = await book('Valve retrofit', minutesAhead(24 * 60), 'Asia/Tokyo');
    const near = await book('Pump 7 overhaul', minutesAhead(2), 'Europe/Berlin');

    const page = await openAs('erika');
    await page.locator('#sessions li').nth(1).waitFor();
    expect(
      await page
        .locator('#sessions li')
        .evaluateAll((items) => items.map((li: any) => li.dataset.appointmentId)),
    ).toEqual([near.id, far.id]);

    const nearItem = item(page, near.id);
    const farItem = item(page, far.id);
    expect(await nearItem.locator('.session-title').innerText()).toBe('Pump 7 overhaul');
    expect(await nearItem.locator('.technician').innerText()).toBe('Tom Technician');
    expect(await nearItem.locator('.session-duration').innerText()).toBe('45 min');
    const nearLocal = await nearItem.locator('.session-local').innerText();
    expect(nearLocal).toContain(hhmm(near.startsAt, 'Europe/Berlin'));
    expect(nearLocal).toContain('Europe/Berlin');
    expect(await nearItem.locator('.session-local').getAttribute('datetime')).toBe(
      near.localStartsAt,
    );
    const nearYours = await nearItem.locator('.session-yours').innerText();
    expect(nearYours).toContain(hhmm(near.startsAt, VIEWER_ZONE));
    expect(nearYours).toContain(VIEWER_ZONE);
    const farLocal = await farItem.locator('.session-local').innerText();
    expect(farLocal).toContain(hhmm(far.startsAt, 'Asia/Tokyo'));
    expect(farLocal).toContain('Asia/Tokyo');
    expect(await farItem.locator('.session-yours').innerText()).toContain(
      hhmm(far.startsAt, VIEWER_ZONE),
    );

    // Join opens 5 minutes before the start: now for the near one; the far one says when.
    const nearJoin = nearItem.getByRole('button', {
      name: 'Join Pump 7 overhaul with Tom Technician',
    });
    expect(await nearJoin.isEnabled()).toBe(true);
    const farJoin = farItem.locator('button.join');
    expect(await farJoin.isDisabled()).toBe(true);
    const farOpens = DateTime.fromISO(far.startsAt).minus({ minutes: 5 }).toISO()!;
    expect(await farJoin.innerText()).toContain(`Join from`);
    expect(await farJoin.innerText()).toContain(hhmm(farOpens, VIEWER_ZONE));
    expect(await farJoin.getAttribute('aria-label')).toContain('Valve retrofit: opens');

    // In the calls table a session's call waits for its start, not for an expert: it says when.
    const farRow = dashboard.rowOf(page, far.callId);
    await farRow.waitFor();
    expect(await farRow.locator('.waiting').innerText()).toMatch(/^starts /);

    await page.screenshot({
      path: process.env.UPDATE_SCREENSHOT
        ? 'docs/dashboard-sessions.png'
        : join(tmpdir(), 'dashboard-sessions.png'),
    });

    // Join: the web client's link in a new tab (the broker fills the template) and the timeline.
    const { body: nearCall } = await dashboard.sut.api('GET', `/v1/calls/${near.callId}`, {
      as: 'erika',
    });
    expect(nearCall.status).toBe('planned');
    const webClient = page
      .context()
      .waitForEvent('request', (request) => request.url().startsWith('http://127.0.0.1:9/'));
    // The link is asked once Join opens and shown beside it; a click opens it at once.
    const link = nearItem.locator('a.join-link');
    expect(await link.getAttribute('href')).toBe(
      `http://127.0.0.1:9/frontline/call/${encodeURIComponent(nearCall.xassistCallId)}`,
    );
    await nearJoin.click();
    expect((await webClient).url()).toBe(
      `http://127.0.0.1:9/frontline/call/${encodeURIComponent(nearCall.xassistCallId)}`,
    );
    await page.locator('#timeline:not([hidden])').waitFor();
    await page.locator('#timeline-title', { hasText: 'Pump 7 overhaul' }).waitFor();

    // A move shows the new time (its call is replaced: the socket says so, the list is fetched).
    const movedTo = minutesAhead(2 * 24 * 60 + 30);
    const moved = await dashboard.sut.api('PATCH', `/v1/appointments/${far.id}`, {
      as: 'tom',
      body: { startsAt: movedTo },
    });
    expect(moved.status).toBe(200);
    await farItem.locator('.session-local', { hasText: hhmm(movedTo, 'Asia/Tokyo') }).waitFor();
    expect(await farItem.getAttribute('data-call-id')).toBe(moved.body.callId);
    await page.locator('#announcer', { hasText: 'Valve retrofit moved to' }).waitFor();

    // A cancel takes it off the list.
    const cancelled = await dashboard.sut.api('DELETE', `/v1/appointments/${near.id}`, {
      as: 'tom',
    });
    expect(cancelled.status).toBe(200);
    await nearItem.waitFor({ state: 'detached' });
    await page
      .locator('#announcer', { hasText: 'Pump 7 overhaul left your upcoming sessions' })
      .waitFor();
    expect(await page.locator('#sessions li').count()).toBe(1);
    expect(await cspViolations(page)).toEqual([]);
  });

  it("downloads a session's calendar event with her token, named after it; after a move the same event with a higher SEQUENCE; a failure is announced", async () => {
    // Four days ahead: clear of tom's other sessions in this suite.
    const session = await book('Compressor 4/B: seals', minutesAhead(4 * 24 * 60), 'Europe/Berlin');
    const page = await openAs('erika');
    const add = item(page, session.id).getByRole('button', {
      name: 'Add Compressor 4/B: seals to calendar',
    });
    await add.waitFor();

    const download = async () => {
      const [file] = await Promise.all([page.waitForEvent('download'), add.click()]);
      return {
        name: file.suggestedFilename(),
        event: calendarEvent(await readFile((await file.path())!, 'utf8')),
      };
    };
    const berlin = (iso: string) =>
      `;TZID=Europe/Berlin:${DateTime.fromISO(iso, { zone: 'Europe/Berlin' }).toFormat("yyyyMMdd'T'HHmmss")}`;

    const first = await download();
    // The title's slash and colon cannot be in a file name.
    expect(first.name).toBe('Compressor 4_B_ seals.ics');
    expect(first.event).toEqual({
      uid: `:${session.id}`,
      summary: ':Compressor 4/B: seals',
      sequence: ':0',
      start: berlin(session.startsAt),
      status: ':CONFIRMED',
    });

    // Moved: the list shows the new time; the file is the same event, one SEQUENCE more.
    const movedTo = minutesAhead(5 * 24 * 60 + 30);
    const moved = await dashboard.sut.api('PATCH', `/v1/appointments/${session.id}`, {
      as: 'tom',
      body: { startsAt: movedTo },
    });
    expect(moved.status).toBe(200);
    await item(page, session.id)
      .locator('.session-local', { hasText: hhmm(movedTo, 'Europe/Berlin') })
      .waitFor();
    const second = await download();
    expect(second.event).toEqual({
      ...first.event,
      sequence: `:${moved.body.sequence}`,
      start: berlin(movedTo),
    });
    expect(moved.body.sequence).toBeGreaterThan(0);

    // The broker refusing is said in the live region, not swallowed.
    await page.route(`**/v1/appointments/${session.id}.ics`, (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ statusCode: 503, message: 'The database is unavailable' }),
      }),
    );
    await add.click();
    await page
      .locator('#announcer', {
        hasText:
          'Compressor 4/B: seals could not be added to your calendar: The database is unavailable',
      })
      .waitFor();
    expect(await cspViolations(page)).toEqual([]);
  });

  it('fits a 390 px phone without sideways scrolling', async () => {
    const soon = await book('Gearbox check', minutesAhead(3), 'Europe/Berlin');
    const page = await openAs('erika', PHONE);
    await item(page, soon.id).waitFor();
    await page.locator('#sessions li').nth(1).waitFor();
    expect(
      await page.evaluate(() => (globalThis as any).document.scrollingElement.scrollWidth),
    ).toBeLessThanOrEqual(390);
    // The list is redrawn whole when it refreshes: a box asked of an item just replaced is null,
    // so it is asked again until the button stays put long enough to be measured.
    const add = await waitFor(
      () => item(page, soon.id).locator('button.add-calendar').boundingBox(),
      (box) => box !== null,
    );
    expect(add).not.toBeNull();
    expect(add!.x + add!.width).toBeLessThanOrEqual(390);
    await page.screenshot({
      fullPage: true,
      path: process.env.UPDATE_SCREENSHOT
        ? 'docs/dashboard-sessions-phone.png'
        : join(tmpdir(), 'dashboard-sessions-phone.png'),
    });
  });

  it("opens Join 5 minutes before the start by the page's clock, and drops the session once it has ended", async () => {
    // Three days ahead: clear of tom's other sessions (one technician, one session at a time).
    const session = await book('Seal swap', minutesAhead(3 * 24 * 60), 'UTC', 'ed', 15);
    const page = await openAs('ed', DESKTOP, true);
    const join = item(page, session.id).locator('button.join');
    await join.waitFor();
    expect(await join.isDisabled()).toBe(true);
    const opensAt = Date.parse(session.startsAt) - 5 * MINUTE;
    const pageNow = () => page.evaluate(() => Date.now());

    // A second before it opens, still closed; a second after, open (the tick runs as time jumps).
    await page.clock.fastForward(opensAt - (await pageNow()) - 1_000);
    expect(await join.isDisabled()).toBe(true);
    expect(await join.innerText()).toContain(hhmm(new Date(opensAt).toISOString(), VIEWER_ZONE));
    await page.clock.fastForward(2_000);
    await item(page, session.id).locator('button.join:not([disabled])').waitFor();
    expect(await join.getAttribute('aria-label')).toBe('Join Seal swap with Tom Technician');

    // Past its end (start + 15 min) it leaves the list; nothing else is booked with ed.
    await page.clock.fastForward(Date.parse(session.endsAt) - (await pageNow()) + 1_000);
    await item(page, session.id).waitFor({ state: 'detached' });
    await page.locator('#sessions-empty:not([hidden])').waitFor();
  });
});
