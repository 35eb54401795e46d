import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { BrokerHarness } from './support/broker-harness.js';
import { CHROMIUM_ARGS, describeIf, requireChromium } from './support/environment.js';
import {
  BROKER_AUDIENCE,
  DASHBOARD_CLIENT_ID,
  DASHBOARD_CLIENT_SECRET,
  TestOpenIdProvider,
  signInAtProvider,
} from './support/openid-provider.js';

/** Issue 22, item 1: "Sign in with <company account>", against a real OpenID provider. */
const CHROMIUM = requireChromium('the dashboard signing in at an OpenID provider');

/** erika has the pumps skill (PEOPLE in the harness). */
const QUEUES = [{ id: 'pumps', name: 'Pumps and compressors', skills: ['pumps'] }];

/**
 * Access tokens live 6 s: a test sees the page renew them, and outlive the first one. The page
 * renews a third of the lifetime before `exp` (2 s here), time enough for the renewal and the
 * socket's new handshake while two CI runs share the machine.
 */
const ACCESS_TOKEN_TTL_SECONDS = 6;
/** Two renewals take about 8 s, more on a busy machine. */
const RENEWALS_MS = 25_000;

describeIf(CHROMIUM)('the dashboard signing in at an OpenID provider', () => {
  let browser: Browser;
  let sut: BrokerHarness;
  const idp = new TestOpenIdProvider({ accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS });
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    await idp.listen();
    sut = await new BrokerHarness({
      publicUrl: true,
      queues: QUEUES,
      env: {
        ROUTING_TICK_MS: '50',
        TECHNICIAN_JOIN_TIMEOUT_MS: '600000',
        AUTH_ISSUER: idp.issuer,
        AUTH_AUDIENCE: BROKER_AUDIENCE,
        AUTH_CLIENT_ID: DASHBOARD_CLIENT_ID,
        AUTH_CLIENT_SECRET: DASHBOARD_CLIENT_SECRET,
        AUTH_SESSION_SECRET: 'e2e-session-secret-0123456789abcdef-0123',
        AUTH_PROVIDER_NAME: 'Acme SSO',
      },
    }).start();
    await idp.trust(sut.url);
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
    await idp.stop();
  });

  async function freshPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    // The provider's development pages link a web font: nothing leaves 127.0.0.1.
    await context.route(
      (url) => url.hostname !== '127.0.0.1',
      (route) => route.abort(),
    );
    return context.newPage();
  }

  /** Every socket.io frame the page receives, and how many WebSockets it opened. */
  function watchSockets(page: Page): { frames: string[]; opened: () => number } {
    const frames: string[] = [];
    let opened = 0;
    page.on('websocket', (socket) => {
      if (!socket.url().includes('/socket.io/')) return;
      opened += 1;
      socket.on('framereceived', ({ payload }) => frames.push(String(payload)));
    });
    return { frames, opened: () => opened };
  }

  async function signIn(page: Page, login: string): Promise<void> {
    await page.goto(sut.url);
    await page.locator('#signin-link', { hasText: 'Sign in with Acme SSO' }).click();
    await signInAtProvider(page, login, sut.url);
    await page.locator('#connection[data-state="live"]').waitFor();
  }

  it('signs in, takes an offer, renews across the token expiry without a reload, and signs out', async () => {
    const page = await freshPage();
    const sockets = watchSockets(page);
    await page.goto(sut.url);
    await page.locator('#signin-link', { hasText: 'Sign in with Acme SSO' }).waitFor();
    // Both ways in: the company account, or a token minted with the shared secret.
    expect(await page.locator('#token-help').innerText()).toContain('npm run token');
    // UPDATE_SCREENSHOT=1 npm test -- test/dashboard-sign-in refreshes the picture in docs/.
    await page.screenshot({
      path: process.env.UPDATE_SCREENSHOT ? 'docs/sign-in.png' : join(tmpdir(), 'sign-in.png'),
    });

    await signIn(page, 'erika');
    await page.getByText('Erika Expert (expert)').waitFor();
    // The session cookie is HttpOnly: nothing of the sign-in is readable by the page.
    expect(await page.evaluate(() => (globalThis as any).document.cookie)).toBe('');
    expect(await page.evaluate(() => JSON.stringify((globalThis as any).sessionStorage))).toBe(
      '{}',
    );
    await page.evaluate(() => ((globalThis as any).__notReloaded = true));
    await page.click('#presence');
    await page.locator('#presence[data-presence="available"]').waitFor();

    // Two renewals: the second comes after the first token's exp (each comes before its own).
    await page.locator('body[data-token-renewals="2"]').waitFor({ timeout: RENEWALS_MS });
    expect(await page.evaluate(() => (globalThis as any).__notReloaded)).toBe(true);
    // The socket was re-authenticated with each renewed token (a new handshake) rather than cut
    // by the broker at the old token's exp.
    expect(sockets.opened()).toBeGreaterThanOrEqual(3);
    expect(sockets.frames.some((frame) => frame.includes('session.expired'))).toBe(false);

    const { body: call } = await sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { queueId: 'pumps', title: 'Pump 7 vibration' },
    });
    const offer = page.locator(`#offers li[data-call-id="${call.id}"]`);
    await offer.getByRole('button', { name: /^Accept/ }).click();
    await offer.waitFor({ state: 'detached' });
    await page.locator('#my-call', { hasText: 'Pump 7 vibration' }).waitFor();
    const taken = await sut.waitForCall(call.id, (c) => c.status === 'ringing');
    expect(taken.acceptedBy).toEqual({ id: 'erika', displayName: 'Erika Expert' });
    await sut.api('POST', `/v1/calls/${call.id}/cancel`, { as: 'sam' });

    const cookie = (await page.context().cookies()).find((c) => c.name === 'broker_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/auth' });
    await page.click('#sign-out');
    // RP-initiated logout: the provider asks, then sends the browser back to the dashboard.
    const confirm = page.locator('button', { hasText: 'Yes, sign me out' });
    await confirm.waitFor();
    // Revoked by the broker already (before the provider's own logout): a copy of the cookie
    // opens nothing.
    const replayed = await fetch(`${sut.url}/auth/token`, {
      method: 'POST',
      headers: { origin: sut.url, cookie: `broker_session=${cookie.value}` },
    });
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ signIn: 'ended' });
    await confirm.click();
    await page
      .locator('#signin-state[data-state="signed-out"]', { hasText: 'You signed out.' })
      .waitFor();
    expect(new URL(page.url()).search).toBe('');
    expect(await page.locator('#board').isVisible()).toBe(false);
    // Signed out for good: a reload offers the sign-in again instead of a session.
    await page.reload();
    await page.locator('#signin-link').waitFor();
    expect(await page.locator('#board').isVisible()).toBe(false);
  }, 60_000);

  it('opens the reports with the company account, and renews its token there too, again after a failed renewal', async () => {
    const page = await freshPage();
    await signIn(page, 'sam');
    await page.goto(`${sut.url}/reports`);
    await page.locator('body[data-report="shown"]').waitFor();
    expect(await page.locator('#who').innerText()).toBe('Sam Supervisor');
    // The first renewal meets a broker that cannot answer: the page asks again a little later.
    let asked = 0;
    await page.route('**/auth/token', (route) =>
      asked++ === 0
        ? route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({ statusCode: 503, message: 'The identity provider is down' }),
          })
        : route.continue(),
    );
    // Past the first access token's exp, the page still reads the reports: it renewed.
    await page.locator('body[data-token-renewals="1"]').waitFor({ timeout: RENEWALS_MS });
    await page.evaluate(() => {
      (globalThis as any).document.body.dataset.report = '';
    });
    expect(asked).toBeGreaterThanOrEqual(2);
    await page.locator('#report-range button[type="submit"]').click();
    await page.locator('body[data-report="shown"]').waitFor();
    expect(await page.locator('#report-error').isVisible()).toBe(false);
  }, 60_000);

  it("downloads a session's calendar file with the renewed company token", async () => {
    const startsAt = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 86_400_000).toISOString();
    const { status, body: session } = await sut.api('POST', '/v1/appointments', {
      as: 'tom',
      body: { expertIds: ['erika'], title: 'Impeller swap', startsAt, timeZone: 'UTC' },
    });
    expect(status).toBe(201);
    const page = await freshPage();
    await signIn(page, 'erika');
    // The second renewal comes after the first token's exp: only the current token opens the file.
    await page.locator('body[data-token-renewals="2"]').waitFor({ timeout: RENEWALS_MS });
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Add Impeller swap to calendar' }).click(),
    ]);
    expect(file.suggestedFilename()).toBe('Impeller swap.ics');
    const ics = await readFile((await file.path())!, 'utf8');
    expect(ics).toMatch(new RegExp(`^UID:${session.id}\r$`, 'm'));
    expect(ics).toContain('SUMMARY:Impeller swap');
  }, 60_000);

  it('shows a clear page when the sign-in is refused at the provider', async () => {
    const page = await freshPage();
    await page.goto(sut.url);
    await page.click('#signin-link');
    await page.getByText('[ Cancel ]').click();
    const failure = page.locator('#sign-in-failure');
    await failure.getByRole('heading', { name: 'Sign-in was refused' }).waitFor();
    expect(await page.locator('#sign-in-reason').innerText()).toContain(
      'Acme SSO answered: access_denied',
    );
    // The operator reads why, too.
    const logged = JSON.parse(await sut.log.line((l) => l.includes('did not finish')));
    expect(logged).toMatchObject({ level: 40, status: 403, title: 'Sign-in was refused' });
    await page.click('#sign-in-again');
    await page.locator('#signin-link').waitFor();
    expect(await page.locator('#board').isVisible()).toBe(false);
  });

  it('says "sign in again" when the provider refuses to renew the session', async () => {
    const page = await freshPage();
    await signIn(page, 'sam');
    await page.getByText('Sam Supervisor').waitFor();
    idp.disable('sam');
    await page
      .locator('#signin-state[data-state="ended"]', {
        hasText: 'Your session ended. Sign in again.',
      })
      .waitFor({ timeout: RENEWALS_MS });
    expect(await page.locator('#signin-link').isVisible()).toBe(true);
    expect(await page.locator('#board').isVisible()).toBe(false);
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('offline');
    await sut.log.line((l) => l.includes('a dashboard sign-in ended'));
  }, 60_000);

  it('refuses token and logout requests from another origin, and without a session', async () => {
    const post = (path: string, origin: string) =>
      fetch(`${sut.url}${path}`, { method: 'POST', headers: { origin } });
    const foreign = await post('/auth/token', 'https://evil.example');
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { message: string }).message).toBe(
      `sign-in requests must come from the dashboard's own page (${sut.url})`,
    );
    expect((await post('/auth/logout', 'https://evil.example')).status).toBe(403);
    const none = await post('/auth/token', sut.url);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'unauthorized', signIn: 'required' });
  });
});

describeIf(CHROMIUM)('the dashboard as a public client (no client secret)', () => {
  let browser: Browser;
  let sut: BrokerHarness;
  // Public clients get a new refresh token at each refresh (the provider rotates them).
  const idp = new TestOpenIdProvider({
    accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS,
    publicClient: true,
  });

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    await idp.listen();
    sut = await new BrokerHarness({
      publicUrl: true,
      env: {
        AUTH_JWT_SECRET: '',
        AUTH_ISSUER: idp.issuer,
        AUTH_AUDIENCE: BROKER_AUDIENCE,
        AUTH_CLIENT_ID: DASHBOARD_CLIENT_ID,
        AUTH_SESSION_SECRET: 'e2e-session-secret-0123456789abcdef-0123',
      },
    }).start();
    await idp.trust(sut.url);
  });
  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
    await idp.stop();
  });

  it('signs in with PKCE alone, keeps the rotated refresh tokens, and says nothing of minted tokens', async () => {
    const context = await browser.newContext();
    await context.route(
      (url) => url.hostname !== '127.0.0.1',
      (route) => route.abort(),
    );
    const page = await context.newPage();
    await page.goto(sut.url);
    await page.locator('#signin-link', { hasText: 'Sign in with your company account' }).click();
    expect(await page.locator('#token-help').isVisible()).toBe(false);
    await signInAtProvider(page, 'sam', sut.url);
    await page.locator('#connection[data-state="live"]').waitFor();
    await page.getByText('Sam Supervisor').waitFor();
    // The second renewal spends the refresh token the first one got: the cookie kept it.
    await page.locator('body[data-token-renewals="2"]').waitFor({ timeout: RENEWALS_MS });
    expect(await page.locator('#signin-state').isVisible()).toBe(false);
    await context.close();
  }, 60_000);
});

describeIf(CHROMIUM)('the sign-in page with only the shared secret', () => {
  let browser: Browser;
  let sut: BrokerHarness;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    sut = await new BrokerHarness().start();
  });
  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
  });

  it('says how an administrator mints a token, and offers no company sign-in', async () => {
    const page = await browser.newPage();
    await page.goto(sut.url);
    const help = page.locator('#token-help');
    await help.waitFor();
    expect(await help.innerText()).toContain('npm run token -- <your id>');
    expect(await help.innerText()).toContain('docker exec <container> npm run token -- <your id>');
    expect(await page.locator('#signin-provider').isVisible()).toBe(false);
    const login = await fetch(`${sut.url}/auth/login`);
    expect(login.status).toBe(404);
    expect(await login.text()).toContain('dashboard sign-in is not configured (AUTH_CLIENT_ID)');
    await page.close();
  });
});
