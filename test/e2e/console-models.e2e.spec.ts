import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'puppeteer-core';
import { launchChromium, waitForText, type HeadlessBrowser } from '../support/browser';
import { shippedCatalogue } from '../support/catalogue';
import { startStack, type Stack } from '../support/stack';
import { waitUntil } from '../support/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS build script, as in console.e2e
const { buildConsole } = require('../../scripts/build-console.js') as {
  buildConsole(): Promise<string>;
};

jest.setTimeout(90_000);

const SHOTS = path.join(__dirname, '..', '..', 'test-output', 'console');
const beta = shippedCatalogue().completionRules.find((r) => r.kind === 'beta');
if (beta?.kind !== 'beta' || !beta.model.gitlabIdentifier) throw new Error('models.yml: no beta');
const CHOSEN = beta.model.gitlabIdentifier;

/** The console's Model selection page (#23): groups with a choice, the instance, stale ones. */
describe('admin console: model selection page in headless Chromium', () => {
  let s: Stack;
  let chromium: HeadlessBrowser;
  let page: Page;
  let group: { id: number; full_path: string };
  const rowText = (testid: string) =>
    page.$eval(`[data-testid="${testid}"]`, (el: any) => el.textContent as string);

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await buildConsole();
    s = await startStack({ env: { GATEWAY_MODELS_REFRESH_MS: '100' } });
    group = (await s.f.seatedUser()).group;
    const put = await s.app.api.call(
      'PUT',
      `/api/v4/groups/${group.id}/ai_feature_settings/code_completions`,
      { token: s.app.rootToken, body: { offered_model_ref: CHOSEN } },
    );
    expect(put.status).toBe(200);
    chromium = await launchChromium();
    page = await chromium.newPage();
    await page.setViewport({ width: 1100, height: 800 });
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await s?.close();
  }, 60_000);

  it('lists the group that chose a model and the instance; a withdrawn model shows as stale', async () => {
    const admin = (await s.f.user({ admin: true })).token;
    await page.goto(`${s.app.url}/admin#/models`, { waitUntil: 'load' });
    await page.type('#token', admin);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#page[data-page="models"]');
    const row = `selection-${group.full_path}-code_completions`;
    await page.waitForSelector(`[data-testid="${row}"]`);
    expect(await rowText(row)).toContain(CHOSEN);
    expect(await rowText(row)).toContain('Offered');
    expect(await rowText('selection-instance-code_completions')).toContain('GitLab default');
    expect(await page.$('[data-testid="stale-selections"]')).toBeNull();

    s.stub.offer.withdraw([CHOSEN]);
    await waitForText(page, '1 stale selection');
    expect(await rowText(row)).toContain('Stale');
    expect(await rowText(row)).toContain(CHOSEN);
    await page.screenshot({ path: path.join(SHOTS, 'model-selection-stale.png'), fullPage: true });

    s.stub.offer.restore();
    await waitUntil(
      async () => (await page.$('[data-testid="stale-selections"]')) === null,
      'the stale banner goes when the model is offered again',
    );
    expect(chromium.errors).toEqual([]);
  });

  it('is admin only, like every console API', async () => {
    const user = (await s.f.user()).token;
    const r = await s.app.api.call('GET', '/api/v4/admin/console/model_selection', { token: user });
    expect(r.status).toBe(403);
  });
});
