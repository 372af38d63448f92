import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'puppeteer-core';
import { launchChromium, waitForText, type HeadlessBrowser } from '../support/browser';
import {
  acceptanceGuardedCatalogue,
  seatedUsers,
  suggestionRound,
} from '../support/acceptance-traffic';
import { shippedCatalogue } from '../support/catalogue';
import { startStack, type Stack } from '../support/stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS build script, as in console.e2e
const { buildConsole } = require('../../scripts/build-console.js') as {
  buildConsole(): Promise<string>;
};

jest.setTimeout(240_000);

const SHOTS = path.join(__dirname, '..', '..', 'test-output', 'console');
const beta = shippedCatalogue().completionRules.find((r) => r.kind === 'beta');
if (beta?.kind !== 'beta' || !beta.model.gitlabIdentifier) throw new Error('models.yml: no beta');
const FLAG = beta.flag;
const BETA_NAME = beta.model.gitlabIdentifier;
const MIN_SHOWN = 30;

/** The Rollouts page's acceptance panel and the Routing page's acceptance per model (#24). */
describe('admin console: acceptance and the rollout guard in headless Chromium', () => {
  let s: Stack;
  let chromium: HeadlessBrowser;
  let page: Page;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-console-acceptance-'));
  const text = (testid: string) =>
    page.$eval(`[data-testid="${testid}"]`, (el: any) => el.textContent as string);

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await buildConsole();
    s = await startStack({
      env: {
        MODELS_FILE: acceptanceGuardedCatalogue(dir, MIN_SHOWN),
        ROLLOUT_GUARD_INTERVAL_MS: '200',
        ACCEPTANCE_FLUSH_INTERVAL_MS: '100',
      },
    });
    chromium = await launchChromium();
    page = await chromium.newPage();
    await page.setViewport({ width: 1100, height: 1000 });
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await s?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('shows each arm with its rate and interval, the verdict, then the rollback; acceptance per model', async () => {
    const users = await seatedUsers(s, 24);
    await s.f.setFlag(FLAG, { value: 50, key: 'percentage_of_actors' });
    const admin = (await s.f.user({ admin: true })).token;
    await page.goto(`${s.app.url}/admin#/rollouts`, { waitUntil: 'load' });
    await page.type('#token', admin);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#page[data-page="rollouts"]');
    await page.waitForSelector(`#rollout-flag option[value="${FLAG}"]`);
    await page.select('#rollout-flag', FLAG);
    await waitForText(page, /Acceptance guard: collecting/, '[data-testid="acceptance-verdict"]');

    // both arms accept 1 in 3 until each has shown twice min_shown
    for (let n = 0; n < 6; n++)
      await suggestionRound(s, users, BETA_NAME, n, (_b, i) => i % 3 === 0);
    await waitForText(
      page,
      /Acceptance guard: no evidence of harm after \d+ shown/,
      '[data-testid="acceptance-verdict"]',
    );
    expect(await text('acceptance-beta')).toMatch(
      /^beta50% on codestral-2508-vertex\d+\d+\d+\.\d%\d+\.\d% – \d+\.\d%$/,
    );
    expect(await text('acceptance-control')).toMatch(/^controlthe rest\d+\d+\d+\.\d%/);
    await page.screenshot({ path: path.join(SHOTS, 'rollouts-acceptance.png'), fullPage: true });

    // now the beta's suggestions are rejected: the guard rolls back and the page says so
    for (let n = 0; n < 20 && !(await text('acceptance-verdict')).includes('rolled back'); n++) {
      await suggestionRound(s, users, BETA_NAME, n, (onBeta, i) => !onBeta && i % 3 === 0);
      await new Promise((r) => setTimeout(r, 300)); // the panel polls every 5 s
    }
    await waitForText(
      page,
      /Acceptance guard: rolled back to 0% at \S+: acceptance \d+\.\d% vs \d+\.\d% control/,
      '[data-testid="acceptance-verdict"]',
    );
    // the stage the page shows follows the guard's write
    await waitForText(page, 'not started', '[data-testid="current-stage"]');
    await page.screenshot({
      path: path.join(SHOTS, 'rollouts-acceptance-rolled-back.png'),
      fullPage: true,
    });

    await page.goto(`${s.app.url}/admin#/routing`, { waitUntil: 'load' });
    await page.waitForSelector(
      '[data-testid="model-acceptance"] [data-model="codestral-2508-vertex"]',
    );
    const row = await page.$eval(
      '[data-testid="model-acceptance"] [data-model="codestral-2508-fireworks"]',
      (el: any) => el.textContent as string,
    );
    expect(row).toMatch(/^codestral-2508-fireworks\d+\d+\d+\d+\.\d%/);
    await page.screenshot({ path: path.join(SHOTS, 'routing-acceptance.png'), fullPage: true });
    expect(chromium.errors).toEqual([]);
  });

  it('the acceptance endpoint is admin only, like every console API', async () => {
    const user = (await s.f.user()).token;
    const r = await s.app.api.call('GET', '/api/v4/admin/console/acceptance', { token: user });
    expect(r.status).toBe(403);
  });
});
