import { chromium, type Browser, type Page } from 'playwright-core';
import { BrokerHarness, type HarnessOptions } from './broker-harness.js';
import { CHROMIUM_ARGS } from './environment.js';

export const DESKTOP = { width: 1280, height: 720 };
export const PHONE = { width: 390, height: 844 };

/**
 * Records every script, style or connection the page's CSP blocks (the browser reports each as
 * a `securitypolicyviolation` event); `cspViolations` reads them back. Call before the page loads.
 */
export async function recordCspViolations(page: Page): Promise<void> {
  await page.addInitScript(() =>
    (globalThis as any).document.addEventListener(
      'securitypolicyviolation',
      (event: { violatedDirective: string; blockedURI: string }) =>
        ((globalThis as any).__violations ??= []).push(
          `${event.violatedDirective} ${event.blockedURI}`,
        ),
    ),
  );
}

/** What recordCspViolations recorded: "<directive> <blocked URI>" each. */
export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as any).__violations ?? []);
}

/**
 * A broker and a Chromium to meet its dashboard with, for the dashboard suites that share them:
 * pages signed in as a person, calls asked for by tom, a call's row in the calls table.
 */
export class DashboardBrowser {
  browser!: Browser;
  sut!: BrokerHarness;

  constructor(private readonly options: HarnessOptions = {}) {}

  async start(executablePath: string): Promise<this> {
    this.browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    this.sut = await new BrokerHarness(this.options).start();
    return this;
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    await this.sut?.stop();
  }

  /** The dashboard signed in as `person`, once its socket is live. */
  async openAs(person: string, viewport = DESKTOP): Promise<Page> {
    const page = await this.browser.newPage({ viewport });
    await page.goto(`${this.sut.url}/#token=${this.sut.token(person)}`);
    await page.locator('#connection[data-state="live"]').waitFor();
    return page;
  }

  /** A call tom asks of `expertIds`: the broker's answer. */
  async ask(title: string, expertIds = ['erika']): Promise<any> {
    return (await this.sut.api('POST', '/v1/calls', { as: 'tom', body: { expertIds, title } }))
      .body;
  }

  rowOf(page: Page, callId: string) {
    return page.locator(`#calls tr[data-call-id="${callId}"]`);
  }
}
