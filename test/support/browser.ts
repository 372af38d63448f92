import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

// Functions passed to page.evaluate run in the browser; the test project has no DOM lib (adding
// it would reach every file), so the browser global they use is declared for this file.
declare const document: any;

/** Debian's chromium package (CI installs it); puppeteer-core never downloads a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface HeadlessBrowser {
  browser: Browser;
  /** Console errors and uncaught page errors seen on any page opened with `newPage`. */
  errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, nothing phoning home; removed again by `close`. */
export async function launchChromium(): Promise<HeadlessBrowser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    protocolTimeout: 120_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const errors: string[] = [];
  return {
    browser,
    errors,
    async newPage() {
      const page = await browser.newPage();
      page.setDefaultTimeout(30_000);
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`page: ${String(e)}`));
      page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
      return page;
    },
    async close() {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Text of the page, for waiting on what an admin would read. */
export const bodyText = (page: Page) => page.evaluate(() => document.body.innerText);

/** Waits until `within` shows `text`; on timeout, says what the page showed instead. */
export async function waitForText(
  page: Page,
  text: string | RegExp,
  within = 'body',
): Promise<void> {
  const source = typeof text === 'string' ? text : text.source;
  await page
    .waitForFunction(
      (sel: string, src: string, isRe: boolean) => {
        const t = document.querySelector(sel)?.textContent ?? '';
        return isRe ? new RegExp(src).test(t) : t.includes(src);
      },
      { timeout: 30_000, polling: 100 },
      within,
      source,
      typeof text !== 'string',
    )
    .catch(async (err: Error) => {
      // Say what the page showed instead: a timeout alone does not tell what went wrong.
      throw new Error(
        `${err.message}: "${String(text)}" not in ${within}; page: ${await bodyText(page)}`,
      );
    });
}

/** Clicks the element showing `label` (a button, usually), once it is there. */
export async function clickButton(page: Page, label: string): Promise<void> {
  const button = await page.waitForSelector(`::-p-text(${label})`);
  await button!.click();
}
