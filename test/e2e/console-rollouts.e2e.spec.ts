import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'puppeteer-core';
import { clickButton, launchChromium, waitForText, type HeadlessBrowser } from '../support/browser';
import { shippedCatalogue } from '../support/catalogue';
import { PRIMARY, PRIMARY_UPSTREAM } from '../support/failover-helpers';
import { completionBody, startStack, type Stack } from '../support/stack';
import { waitUntil } from '../support/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS build script, as in console.e2e
const { buildConsole } = require('../../scripts/build-console.js') as {
  buildConsole(): Promise<string>;
};

// Browser globals used inside page.evaluate (the test project has no DOM lib).
declare const document: any;
declare const sessionStorage: any;

jest.setTimeout(120_000);

const SHOTS = path.join(__dirname, '..', '..', 'test-output', 'console');
const beta = shippedCatalogue().completionRules.find((r) => r.kind === 'beta');
if (beta?.kind !== 'beta') throw new Error('config/models.yml: the console tests need a beta rule');
const BETA_FLAG = beta.flag;
const V4_FLAG = 'code_completion_v4_endpoint';

/**
 * Issue #25 items 6-8 in Chromium: rollout stages that move (and the page opening on the
 * rollout that needs attention), health from upstream attempts with charts of complete minutes,
 * and sessions that end on a revoked token or stay read-only without the `api` scope.
 */
describe('admin console: rollout stages, attempt health, sessions (Chromium)', () => {
  let s: Stack;
  let chromium: HeadlessBrowser;
  let page: Page;
  let admin: { username: string; token: string; tokenId: number };
  let worker: string;
  let betaUser: string;
  let betaName: string;
  /** The minute (epoch s) the health test's completions were answered in. */
  let requestsMinute = 0;
  /** Every console API call the page made, in order. */
  const calls: { url: string; status: number }[] = [];
  const shot = (name: string) =>
    page.screenshot({ path: path.join(SHOTS, `rollouts-${name}.png`), fullPage: true });
  const goTo = async (label: string, id = label.toLowerCase()) => {
    await page.click(`nav a::-p-text(${label})`);
    await page.waitForSelector(`#page[data-page="${id}"]`);
  };
  const signIn = async (token: string) => {
    await page.goto(`${s.app.url}/admin`, { waitUntil: 'load' });
    await page.evaluate(() => sessionStorage.clear());
    await page.reload({ waitUntil: 'load' });
    await page.type('#token', token);
    await page.keyboard.press('Enter');
  };
  const api = (method: string, url: string, token = s.app.rootToken, body?: unknown) =>
    s.app.api.call(method, url, { token, body });
  const complete = (token = worker) =>
    s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token,
      body: completionBody(),
    });
  const traffic = async () =>
    (await api('GET', '/api/v4/admin/console/traffic?minutes=15', admin.token)).body;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await buildConsole();
    s = await startStack({
      env: {
        RATE_LIMIT_COMPLETIONS_PER_MINUTE: '100000',
        FAILOVER_BREAKER_THRESHOLD: '3',
        FAILOVER_HALF_OPEN_AFTER_MS: '600000',
      },
    });
    admin = await s.f.user({ admin: true });
    worker = (await s.f.seatedUser()).user.token;
    const other = (await s.f.seatedUser()).user;
    betaUser = other.token;
    betaName = other.username;
    chromium = await launchChromium();
    page = await chromium.newPage();
    await page.setViewport({ width: 1100, height: 900 });
    page.on('response', (r) => {
      if (r.url().includes('/api/v4/')) calls.push({ url: r.url(), status: r.status() });
    });
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await s?.close();
  }, 60_000);

  it('stage moves: from the percentage stage, Team members removes the percentage and the stage follows', async () => {
    await s.f.setFlag(BETA_FLAG, { value: 50, key: 'percentage_of_actors' });
    await signIn(admin.token);
    await page.waitForSelector('nav');
    await goTo('Rollouts');
    // The v4 switch comes first in the catalogue; the page opens on the beta in progress.
    await waitForText(page, 'percentage', '[data-testid="current-stage"]');
    expect(await page.$eval('#rollout-flag', (el: any) => el.value as string)).toBe(BETA_FLAG);
    await waitForText(page, /In progress: at stage percentage/, '[data-testid="attention"]');

    await clickButton(page, 'Go to stage: Team members');
    await waitForText(page, 'Removes: 50% of users (sticky)', 'dialog[open]');
    await waitForText(page, 'Sets: feature group gitlab_team_members', 'dialog[open]');
    // whom the stage reaches, computed by the server as the Flags page's previews are
    await waitForText(page, /users with a seat/, 'dialog[open] [data-testid="effect"]');
    await waitForText(page, /from percentage/, 'dialog[open] h2');
    await shot('stage-confirm');
    await clickButton(page, 'Apply');
    await waitForText(page, 'team', '[data-testid="current-stage"]');
    const flag = await api('GET', `/api/v4/features/${BETA_FLAG}`);
    expect(flag.body.gates).toEqual([
      { key: 'boolean', value: false },
      { key: 'groups', value: ['gitlab_team_members'] },
    ]);
    // one audited change for the move, by the admin who made it
    const audit = await api(
      'GET',
      `/api/v4/audit_events?entity_type=FeatureFlag&entity_id=${BETA_FLAG}`,
    );
    expect(audit.body[0].author_name).toBe(admin.username);

    // back down to staging: the team gate is listed as removed, the named account set
    await page.type('#stage-staging', admin.username);
    await clickButton(page, 'Go to stage: Staging');
    await waitForText(page, 'Removes: feature group gitlab_team_members', 'dialog[open]');
    await waitForText(page, `Sets: user ${admin.username}`, 'dialog[open]');
    await clickButton(page, 'Apply');
    await waitForText(page, 'staging', '[data-testid="current-stage"]');
    await shot('stage-moved');
  });

  it('stage moves refuse bad input with a 400 naming the field, and non-rollout flags with a 404', async () => {
    const plan = (flag: string, query: string) =>
      api('GET', `/api/v4/admin/console/rollouts/${flag}/stage?${query}`, admin.token);
    const cases: [string, string, number, RegExp][] = [
      [BETA_FLAG, 'stage=staging', 400, /value/],
      [BETA_FLAG, 'stage=staging&value=nobody_here', 400, /user 'nobody_here' does not exist/],
      [BETA_FLAG, 'stage=percentage&value=150', 400, /value.*percentage/],
      [BETA_FLAG, 'stage=team&value=x', 400, /takes no value/],
      [BETA_FLAG, 'stage=sideways', 400, /stage/],
      [BETA_FLAG, 'stage=team&extra=1', 400, /extra/],
      ['incident_fail_over_completion_provider', 'stage=team', 404, /Rollout flag/],
    ];
    for (const [flag, query, status, text] of cases) {
      const r = await plan(flag, query);
      expect({ query, status: r.status }).toEqual({ query, status });
      expect(r.text).toMatch(text);
    }
    const post = await api(
      'POST',
      `/api/v4/admin/console/rollouts/${BETA_FLAG}/stage`,
      admin.token,
      {
        stage: 'percentage',
        value: 'lots',
      },
    );
    expect(post.status).toBe(400);
  });

  it('health by upstream attempts: failed-over attempts count against the API attempted though every answer was 200', async () => {
    s.stub.faults.add({ ...PRIMARY, status: 503 });
    try {
      // 3 failures open the primary's breaker, the next 3 go to the backup directly: all answered
      for (let i = 0; i < 6; i++) expect((await complete()).status).toBe(200);
    } finally {
      s.stub.faults.clear();
    }
    // and as many answered by the beta model for a test account at the staging stage: two
    // series with the same counts for the chart
    await s.f.setFlag(BETA_FLAG, { value: true, user: betaName });
    for (let i = 0; i < 6; i++) expect((await complete(betaUser)).status).toBe(200);
    const t = await api('GET', '/api/v4/admin/console/traffic?minutes=15', admin.token);
    requestsMinute = t.body.current.minute;
    // The primary's 3 failed attempts (then its breaker is open and requests are routed to the
    // backup directly); every answer was the backup's 200.
    type H = { label: string; requests: number; errors: number };
    const failed = (t.body.api_attempt_health as H[]).find((h) => h.errors > 0)!;
    expect(failed).toMatchObject({ errors: 3 });
    expect((t.body.api_health as H[]).map((h) => h.errors)).toEqual(
      (t.body.api_health as H[]).map(() => 0),
    );
    expect((t.body.health as H[]).find((h) => h.label === PRIMARY_UPSTREAM)).toMatchObject({
      requests: 3,
      errors: 3,
    });

    await goTo('Rollouts');
    await page.select('#rollout-flag', V4_FLAG);
    // the v4 switch: v4 attempts against v2 attempts (was: answers, 0.0% after failover)
    const row = failed.label === 'v4' ? 'beta' : 'default';
    await waitForText(
      page,
      new RegExp(`^${row}${failed.label}${failed.requests}3${(300 / failed.requests).toFixed(1)}%`),
      `[data-testid="health-${row}"]`,
    );
    await waitForText(page, 'none for this flag', '[data-testid="guard-verdict"]');
    await shot('health-attempts');
    await goTo('Incidents');
    await waitForText(page, /^3 of 3$/, `[data-testid="failures-${PRIMARY_UPSTREAM}"]`);
  });

  it('charts draw complete minutes only; the minute under way is its own column', async () => {
    await goTo('Routing');
    const chart = await page.waitForSelector('[data-testid="decision-counts"]');
    expect(chart).not.toBeNull();
    // The page agrees with the server: the chart ends at the last complete minute and the
    // table's columns are that minute and the one under way (read again if a minute turned).
    await waitUntil(async () => {
      const t = (await api('GET', '/api/v4/admin/console/traffic?minutes=15', admin.token)).body;
      const shown = await page.evaluate(() => {
        const row = document.querySelector('[data-testid="decision-counts"] tr[data-label]');
        return {
          through: Number(document.querySelector('.chart')?.getAttribute('data-through')),
          label: row?.getAttribute('data-label') as string,
          last: Number(row?.querySelector('.last')?.textContent),
          current: Number(row?.querySelector('.current')?.textContent),
        };
      });
      const counts: number[] = t.by.model[shown.label] ?? [];
      return (
        shown.through === t.minutes.at(-1) &&
        shown.through === t.current.minute - 60 &&
        shown.last === (counts.at(-1) ?? 0) &&
        shown.current === (t.current.by.model[shown.label] ?? 0)
      );
    }, 'the Routing page shows the complete minutes and the minute under way as the server counts them');
    await waitForText(page, /Complete minutes only/, '[data-testid="chart-note"]');
    await shot('complete-minutes');
  });

  it('a read_api admin gets a read-only console: Apply is off with the reason, the server refuses writes', async () => {
    const reader = await s.f.user({ admin: true, scopes: ['read_api'] });
    await signIn(reader.token);
    await waitForText(
      page,
      /Read-only: this token's scopes are read_api/,
      '[data-testid="readonly-banner"]',
    );
    await goTo('Rollouts');
    await page.select('#rollout-flag', BETA_FLAG);
    await waitForText(page, 'staging', '[data-testid="current-stage"]');
    await clickButton(page, 'Go to stage: Team members');
    await waitForText(page, /changes need a token with the api scope/, 'dialog[open]');
    const disabled = await page.$eval(
      'dialog[open] .actions button',
      (b: any) => b.disabled as boolean,
    );
    expect(disabled).toBe(true);
    await shot('read-only');
    await page.keyboard.press('Escape');
    const post = await api(
      'POST',
      `/api/v4/admin/console/rollouts/${BETA_FLAG}/stage`,
      reader.token,
      {
        stage: 'team',
      },
    );
    expect(post.status).toBe(403);

    const robot = await s.f.user({ admin: true, scopes: ['ai_features'] });
    await signIn(robot.token);
    await waitForText(page, /scopes are ai_features; the console needs api/);
    expect(await page.$('nav')).toBeNull();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('a revoked token ends the session: polling stops and the page asks to sign in again', async () => {
    const victim = await s.f.user({ admin: true });
    await signIn(victim.token);
    await page.waitForSelector('nav');
    await goTo('Incidents');
    const polls = () => calls.filter((c) => c.url.includes('/admin/console/traffic')).length;
    const before = polls();
    await waitUntil(async () => polls() >= before + 2, 'the Incidents page polls');

    const revokedAt = calls.length;
    expect((await api('DELETE', '/api/v4/personal_access_tokens/self', victim.token)).status).toBe(
      204,
    );
    await waitForText(
      page,
      /Your session ended: the token was revoked or has expired/,
      '[data-testid="session-notice"]',
    );
    expect(await page.$('nav')).toBeNull();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await shot('session-ended');
    const refused = calls.slice(revokedAt).filter((c) => c.status === 401).length;
    const after = calls.length;
    // Two poll intervals of the Incidents page (3 s): nothing more is asked.
    await new Promise((r) => setTimeout(r, 6500));
    expect(calls.length).toBe(after);
    // The pollers that asked as the token went (traffic; the flags' two calls): one round of
    // each, two if one fired while the first 401 was ending the session; not one every 3 s.
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThanOrEqual(6);
  });

  it('once their minute is over the requests are drawn; lines with equal counts both stay visible', async () => {
    await signIn(admin.token);
    await page.waitForSelector('nav');
    await goTo('Routing');
    await waitUntil(
      async () => (await traffic()).current.minute > requestsMinute,
      'the minute of the requests is over',
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const t = await traffic();
    const complete = (label: string) =>
      (t.by.model[label] as number[] | undefined)?.reduce((a, b) => a + b, 0) ?? 0;
    const labels = Object.keys(t.by.model).sort();
    expect(labels).toHaveLength(2);
    expect(labels.map(complete)).toEqual([6, 6]);
    // The table: nothing is left in the minute under way; the chart draws both lines, the
    // second (red, narrower and dashed) over the first (blue, wider): where they are equal
    // (every minute here) both colours show.
    await page.waitForFunction(
      (n: number) =>
        [...document.querySelectorAll('[data-testid="decision-counts"] tr[data-label]')].every(
          (row: any) =>
            row.querySelector('.current')?.textContent === '0' &&
            row.querySelector('.total')?.textContent === String(n),
        ),
      { timeout: 30_000 },
      6,
    );
    const colours = await page.evaluate(() => {
      const canvas = document.querySelector('.chart canvas');
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const near = (i: number, rgb: number[]) =>
        rgb.every((c, k) => Math.abs(data[i + k] - c) < 40) && data[i + 3] > 200;
      let blue = 0;
      let red = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (near(i, [0x1f, 0x6f, 0xeb])) blue++;
        if (near(i, [0xd1, 0x24, 0x2f])) red++;
      }
      return { blue, red };
    });
    expect(colours.blue).toBeGreaterThan(100);
    expect(colours.red).toBeGreaterThan(100);
    await shot('equal-lines');
  });

  it('saw no console errors but the 401s of the revoked token', () => {
    const unexpected = chromium.errors.filter((e) => !/status of 401/.test(e));
    expect(unexpected).toEqual([]);
  });
});
