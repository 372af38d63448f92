import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'puppeteer-core';
import { CONSOLE_CSP } from '../../src/console/console-assets.controller';
import {
  bodyText,
  clickButton,
  launchChromium,
  waitForText,
  type HeadlessBrowser,
} from '../support/browser';
import { shippedCatalogue } from '../support/catalogue';
import { BACKUP_MODEL, PRIMARY, PRIMARY_UPSTREAM } from '../support/failover-helpers';
import { completionBody, startStack, type Stack } from '../support/stack';
import { BACKENDS } from '../support/test-database';
import { waitUntil } from '../support/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildConsole } = require('../../scripts/build-console.js') as {
  buildConsole(): Promise<string>;
};

// Functions passed to page.evaluate run in the browser; the test project has no DOM lib (adding
// it would reach every file), so the few browser globals they use are declared for this file.
declare const document: any;
declare const sessionStorage: any;

jest.setTimeout(90_000);

const SHOTS = path.join(__dirname, '..', '..', 'test-output', 'console');
const catalogue = shippedCatalogue();
const betaRule = catalogue.completionRules.find((r) => r.kind === 'beta');
if (
  betaRule?.kind !== 'beta' ||
  !betaRule.model.gitlabIdentifier ||
  !catalogue.completionFailover
) {
  throw new Error(
    'config/models.yml: the console tests need a beta rule (with an identifier) and a failover rule',
  );
}
const BETA_FLAG = betaRule.flag;
/** The beta model as the gateway serves it on v4 (`gitlab` + identifier): a stub fault target and
 * the request labels' `provider/model`. */
const BETA = { provider: 'gitlab', model: betaRule.model.gitlabIdentifier };
/** The beta and the default as explain names them (our provider/model_name). */
const BETA_UPSTREAM = `${betaRule.model.provider}/${betaRule.model.name}`;
const FAILOVER_FLAG = catalogue.completionFailover.flag;

describe.each(BACKENDS)('admin console in headless Chromium (%s)', (backend) => {
  let s: Stack;
  let chromium: HeadlessBrowser;
  let page: Page;
  let admin: string;
  let nonAdmin: string;
  let rolled: { username: string; token: string };
  let worker: string;
  let project: string;
  let group: string;
  const modelsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-console-')), 'models.yml');
  const complete = (token: string) =>
    s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token,
      body: completionBody(),
    });
  const shot = (name: string) =>
    page.screenshot({ path: path.join(SHOTS, `${backend}-${name}.png`), fullPage: true });
  const goTo = async (label: string) => {
    await page.click(`nav a::-p-text(${label})`);
    await page.waitForSelector(`#page[data-page="${label.toLowerCase()}"]`);
  };

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await buildConsole();
    // The rollout guard on, with a small sample minimum, so a failing beta is rolled back.
    const models = fs
      .readFileSync(path.join(__dirname, '..', '..', 'config', 'models.yml'), 'utf8')
      .replace(/^(\s+)enabled: false/m, '$1enabled: true')
      .replace(/min_requests: \d+/, 'min_requests: 3');
    fs.writeFileSync(modelsFile, models);
    s = await startStack({
      backend,
      env: {
        MODELS_FILE: modelsFile,
        ROLLOUT_GUARD_INTERVAL_MS: '200',
        RATE_LIMIT_COMPLETIONS_PER_MINUTE: '100000',
        FAILOVER_BREAKER_THRESHOLD: '3',
        // The breaker stays open for the whole test once opened: no probe reopens traffic.
        FAILOVER_HALF_OPEN_AFTER_MS: '600000',
      },
    });
    admin = (await s.f.user({ admin: true })).token;
    nonAdmin = (await s.f.user()).token;
    const first = await s.f.seatedUser();
    rolled = first.user;
    project = first.project.path_with_namespace;
    group = first.group.full_path;
    worker = (await s.f.seatedUser({ group: first.group, purchaseId: first.purchaseId })).user
      .token;
    chromium = await launchChromium();
    page = await chromium.newPage();
    await page.setViewport({ width: 1100, height: 800 });
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await s?.close();
    fs.rmSync(path.dirname(modelsFile), { recursive: true, force: true });
  }, 60_000);

  it('serves the page with a strict Content-Security-Policy and no inline script', async () => {
    const r = await s.app.api.call('GET', '/admin');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe');
    expect(r.text).not.toMatch(/<script>|<script(?![^>]*\ssrc=)[^>]*>/);
    expect((await s.app.api.call('GET', '/admin/../package.json')).status).toBe(404);
    expect((await s.app.api.call('GET', '/admin/nope.js')).status).toBe(404);
  });

  it('refuses a non-admin token, in the page and on the console API', async () => {
    await page.goto(`${s.app.url}/admin`, { waitUntil: 'load' });
    await page.type('#token', nonAdmin);
    await page.keyboard.press('Enter');
    await waitForText(page, 'is not an administrator');
    expect(await page.$('nav')).toBeNull();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await shot('refused');
    const api = await s.app.api.call('GET', '/api/v4/admin/console/summary', { token: nonAdmin });
    expect(api.status).toBe(403);
    expect((await s.app.api.call('GET', '/api/v4/admin/console/traffic')).status).toBe(401);
    expect(
      (await s.app.api.call('GET', '/api/v4/admin/console/traffic?minutes=0', { token: admin }))
        .text,
    ).toMatch(/minutes/);
  });

  it('reach: seated users a group or project gate would reach; unknown paths named', async () => {
    const reach = (query: string) =>
      s.app.api.call('GET', `/api/v4/admin/console/reach?${query}`, { token: admin });
    expect((await reach(`group=${group}`)).body).toEqual({ reached: 2, seated_users: 2 });
    expect((await reach(`project=${project}`)).body).toEqual({ reached: 2, seated_users: 2 });
    const unknown = await reach(`group=${group},nope`);
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain("group 'nope' does not exist");
    const neither = await reach('');
    expect(neither.status).toBe(400);
    expect(neither.text).toMatch(/group or project/);
    expect((await reach(`group=${group}&project=${project}`)).status).toBe(400);
  });

  it('signs in with the keyboard; the token stays in sessionStorage and out of the URL', async () => {
    await page.click('#token', { count: 3 });
    await page.keyboard.press('Backspace');
    await page.type('#token', admin);
    await page.keyboard.press('Enter');
    await page.waitForSelector('nav');
    expect(page.url()).not.toContain(admin);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([admin]);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await waitForText(page, BETA_FLAG);
    // keyboard: Tab to the Rollouts link and follow it with Enter
    await page.focus('nav a');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#page[data-page="rollouts"]');
    await goTo('Flags');
    await shot('flags');
  });

  it('every control has a label', async () => {
    for (const label of ['Flags', 'Rollouts', 'Routing', 'Incidents']) {
      await goTo(label);
      if (label === 'Flags') await clickButton(page, BETA_FLAG);
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll('input, select, button')]
          .filter((el: any) => {
            const e = el;
            const named =
              (e.labels?.length ?? 0) > 0 ||
              e.getAttribute('aria-label') ||
              (el.tagName === 'BUTTON' && (el.textContent ?? '').trim());
            return !named && !el.closest('dialog:not([open])');
          })
          .map((el: any) => String(el.outerHTML)),
      );
      expect({ page: label, unlabelled }).toEqual({ page: label, unlabelled: [] });
    }
  });

  it('rolls a beta flag to a user (staging stage, confirmed) and the explain page changes', async () => {
    const explain = async () => {
      await goTo('Routing');
      await page.type('#explain-user', rolled.username);
      await page.keyboard.press('Enter');
      await page.waitForSelector('[data-testid="completion-model"]');
    };
    await explain();
    await waitForText(page, PRIMARY_UPSTREAM, '[data-testid="completion-model"]');

    await goTo('Rollouts');
    await page.select('#rollout-flag', BETA_FLAG);
    await waitForText(page, 'not started', '[data-testid="current-stage"]');
    await page.type('#stage-staging', rolled.username);
    await clickButton(page, 'Go to stage: Staging');
    await page.waitForSelector('dialog[open]');
    await waitForText(page, /on for 1 of the 2 users with a seat \(was 0\)/, 'dialog');
    await shot('rollout-confirm');
    await clickButton(page, 'Apply');
    await waitForText(page, 'staging', '[data-testid="current-stage"]');
    await waitForText(page, 'Rollout guard:', '[data-testid="guard-verdict"]');
    await shot('rollouts');

    await explain();
    await waitForText(page, BETA_UPSTREAM, '[data-testid="completion-model"]');
    expect(await bodyText(page)).toContain(`${BETA_FLAG}: on`);
    const audit = await s.app.api.call(
      'GET',
      `/api/v4/audit_events?entity_type=FeatureFlag&entity_id=${BETA_FLAG}`,
      { token: admin },
    );
    expect(audit.body.length).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect((await complete(rolled.token)).status).toBe(200);
    // answered on v4, labelled as the gateway serves the beta model
    await waitForText(page, `${BETA.provider}/${BETA.model}`, '[data-testid="decision-counts"]');
    await shot('routing');
  });

  it('walks the remaining stages to everyone, each confirmed, then rolls back', async () => {
    await goTo('Rollouts');
    await page.select('#rollout-flag', BETA_FLAG);
    await waitForText(page, 'staging', '[data-testid="current-stage"]');
    const stage = async (
      name: string,
      effect: RegExp,
      expected: string,
      input?: [string, string],
    ) => {
      if (input) await page.type(input[0], input[1]);
      await clickButton(page, `Go to stage: ${name}`);
      await waitForText(page, effect, 'dialog[open]');
      await clickButton(page, 'Apply');
      await waitForText(page, expected, '[data-testid="current-stage"]');
    };
    await stage('Team members', /feature group gitlab_team_members/, 'team');
    await stage('A project', /about 2 of the 2 users with a seat are members there/, 'project', [
      '#stage-project',
      project,
    ]);
    await stage('A percentage', /50% of users, the same ones on every request/, 'percentage', [
      '#stage-percentage',
      '50',
    ]);
    await stage('Everyone', /all 2 users with a seat/, 'everyone');
    const flag = await s.app.api.call('GET', `/api/v4/features/${BETA_FLAG}`, { token: admin });
    expect(flag.body.state).toBe('on');
    await clickButton(page, 'Roll back (remove all gates)');
    await waitForText(page, /back to the default \(off\)/, 'dialog[open]');
    await clickButton(page, 'Apply');
    await waitForText(page, 'not started', '[data-testid="current-stage"]');
    // the v4 switch has no model of ours: its health compares v4 answers with v2 answers
    await page.select('#rollout-flag', 'code_completion_v4_endpoint');
    await waitForText(page, 'none for this flag', '[data-testid="guard-verdict"]');
    await waitForText(page, 'v4', '[data-testid="health-beta"]');
    await waitForText(page, /v2\d+/, '[data-testid="health-default"]');
  });

  it('changes actors on the Flags page behind a confirmation, and shows the audit trail', async () => {
    const flag = 'code_completion_v4_endpoint';
    await goTo('Flags');
    await clickButton(page, flag);
    await page.select('#change-kind', 'users');
    await page.type('#change-input', rolled.username);
    await clickButton(page, 'Review change');
    await waitForText(page, /on for 1 of the 2 users with a seat/, 'dialog[open]');
    await clickButton(page, 'Apply');
    await waitForText(page, 'actors: User:', '[data-testid="gates"]');
    await waitForText(page, `added: ${rolled.username}`, '[data-testid="audit"]');
    // and removed again (the checkbox turns "add" into "remove")
    await page.click('input[type="checkbox"]');
    await clickButton(page, 'Review change');
    await waitForText(page, /Disable for users/, 'dialog[open]');
    await clickButton(page, 'Apply');
    await page.waitForFunction(
      () => !document.querySelector('[data-testid="gates"]')?.textContent?.includes('User:'),
    );
    await shot('flag-detail');
  });

  it('shows the rollout guard rolling back a failing beta set to a percentage of requests', async () => {
    await goTo('Flags');
    await clickButton(page, BETA_FLAG);
    await page.select('#change-kind', 'percentage_of_time');
    await page.type('#change-input', '50');
    await clickButton(page, 'Review change');
    await waitForText(page, /50% of the requests of every user with a seat/, 'dialog[open]');
    await clickButton(page, 'Apply');
    await waitForText(page, 'percentage_of_time: 50', '[data-testid="gates"]');

    s.stub.faults.add({ ...BETA, status: 503 });
    try {
      // ~half go to the failing beta (answered by the backup), half to the default model
      for (let i = 0; i < 30; i++) expect((await complete(worker)).status).toBe(200);
      // The guard acts on its own timer, and the Rollouts page reads the flag once when it
      // opens: wait (through the API) until the guard has set the percentage to 0, so the page
      // cannot open on the flag as it was before a late guard tick.
      await waitUntil(async () => {
        const f = await s.app.api.call('GET', `/api/v4/features/${BETA_FLAG}`, { token: admin });
        return !f.body.gates.some(
          (g: { key: string; value: unknown }) =>
            g.key === 'percentage_of_time' && Number(g.value) > 0,
        );
      }, 'the rollout guard sets the beta flag back to 0%');
      await goTo('Rollouts');
      await page.select('#rollout-flag', BETA_FLAG);
      await waitForText(page, /rolled back to 0% at .*error rate/, '[data-testid="guard-verdict"]');
      await waitForText(page, 'not started', '[data-testid="current-stage"]');
      // the beta's failed attempts count against it, though the backup answered the user
      await waitForText(page, /\b[1-9]\d*\.\d%/, '[data-testid="health-beta"]');
      await waitForText(page, '0.0%', '[data-testid="health-default"]');
      await shot('rollout-guard');
    } finally {
      s.stub.faults.clear();
    }
  });

  it('shows a breaker opening, a confirmed failover and recovery, and the provider counts moving', async () => {
    for (let i = 0; i < 2; i++) expect((await complete(worker)).status).toBe(200);
    await goTo('Incidents');
    const counts = '[data-testid="provider-counts"]';
    const breaker = `[data-testid="breaker-${PRIMARY_UPSTREAM}"]`;
    await waitForText(page, PRIMARY.provider, counts);
    await waitForText(page, 'closed', breaker);

    // the primary fails: the breaker opens, requests are answered by the backup provider
    s.stub.faults.add({ ...PRIMARY, status: 503 });
    for (let i = 0; i < 4; i++) expect((await complete(worker)).status).toBe(200);
    await waitForText(page, 'open', breaker);
    await waitForText(page, /^3 of \d+$/, `[data-testid="failures-${PRIMARY_UPSTREAM}"]`);
    await waitForText(page, BACKUP_MODEL.provider, counts);
    // Every page says automatic failover is on, while both failover flags still read "off".
    const banner = '[data-testid="failover-banner"]';
    await waitForText(
      page,
      /Automatic failover active since .+: [1-9]\d* completions? sent/,
      banner,
    );
    await waitForText(page, PRIMARY_UPSTREAM, banner);
    s.stub.faults.clear();

    // manual failover, confirmed
    const state = `[data-testid="failover-${FAILOVER_FLAG}"]`;
    await waitForText(page, 'off', state);
    await clickButton(page, 'Fail completions over');
    await waitForText(page, /all 2 users with a seat .*get the backup/, 'dialog');
    await clickButton(page, 'Apply');
    await waitForText(page, 'on', state);
    const backupBefore = await providerTotal(page, BACKUP_MODEL.provider);
    for (let i = 0; i < 3; i++) expect((await complete(rolled.token)).status).toBe(200);
    await page.waitForFunction(
      (sel: string, provider: string, before: number) => {
        const cell = document.querySelector(`${sel} tr[data-label="${provider}"] .total`);
        return Number(cell?.textContent ?? 0) >= before + 3;
      },
      { timeout: 30_000 },
      counts,
      BACKUP_MODEL.provider,
      backupBefore,
    );
    await shot('incidents');

    // recovery, confirmed with the keyboard only (the dialog takes the focus)
    await page.focus('::-p-text(Recover completions)');
    await page.keyboard.press('Enter');
    await waitForText(page, 'go back to the primary', 'dialog[open]');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Apply');
    await page.keyboard.press('Enter');
    await waitForText(page, 'off', state);
    const flag = await s.app.api.call('GET', `/api/v4/features/${FAILOVER_FLAG}`, { token: admin });
    expect(flag.body.state).toBe('off');

    // The breaker is still open (no probe for the whole test): the banner follows to other pages.
    await goTo('Routing');
    await waitForText(page, PRIMARY_UPSTREAM, banner);
    await shot('failover-banner');
  });

  it('signs out: the token leaves sessionStorage and the sign-in form is back', async () => {
    await clickButton(page, 'Sign out');
    await page.waitForSelector('#token');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('#token');
  });

  it('saw no console errors', () => {
    expect(chromium.errors).toEqual([]);
  });
});

async function providerTotal(page: Page, provider: string): Promise<number> {
  return page.evaluate((p: string) => {
    const cell = document.querySelector(
      `[data-testid="provider-counts"] tr[data-label="${p}"] .total`,
    );
    return Number(cell?.textContent ?? 0);
  }, provider);
}
