import { randomUUID } from 'node:crypto';
import { completionBody, startStack, Stack } from '../support/stack';
import { BACKENDS } from '../support/test-database';

jest.setTimeout(120_000);

const BETA_FLAG = 'code_completion_model_codestral_2508_vertex';
const DEFAULT_KEY = 'codestral-2508-fireworks';
const BETA_KEY = 'codestral-2508-vertex';
const SHOWN = 'code_suggestion_shown_in_ide';
const ACCEPTED = 'code_suggestion_accepted_in_ide';
const REJECTED = 'code_suggestion_rejected_in_ide';
const EVENTS_PER_MINUTE = 40;

interface ArmRow {
  model: string;
  arm: string;
  gate: string | null;
  language?: string;
  shown: number;
  accepted: number;
  rejected: number;
  acceptance_rate: number | null;
  ci95: { low: number; high: number } | null;
}

/**
 * POST /api/v4/usage_data/track_event and GET /api/v4/code_suggestions/acceptance over HTTP
 * through the production bootstrap, on both databases: counts attributed to the model and arm
 * that served the completion, each suggestion once, and bad input answered without touching the
 * rollup.
 */
describe.each(BACKENDS)('suggestion acceptance (%s)', (backend) => {
  let s: Stack;

  beforeAll(async () => {
    s = await startStack({
      backend,
      env: { RATE_LIMIT_USAGE_EVENTS_PER_MINUTE: String(EVENTS_PER_MINUTE) },
    });
  });
  afterAll(() => s?.close());

  const track = (token: string, body: unknown) =>
    s.app.api.call('POST', '/api/v4/usage_data/track_event', { token, body });
  const event = (
    name: string,
    id: string,
    model?: { engine: string; name: string },
    over = {},
  ) => ({
    event: name,
    additional_properties: {
      unique_tracking_id: id,
      timestamp: new Date().toISOString(),
      language: 'python',
      suggestion_size: 2,
      model_name: model?.name,
      model_engine: model?.engine,
      ide_name: 'e2e',
      ...over,
    },
  });
  const acceptance = async (query = 'minutes=10') => {
    const r = await s.app.api.call('GET', `/api/v4/code_suggestions/acceptance?${query}`, {
      token: s.app.rootToken,
    });
    expect(r.status).toBe(200);
    return r.body as { arms: ArmRow[]; models: ArmRow[]; interval: string };
  };
  const row = (rows: ArmRow[], model: string, arm: string) =>
    rows.find((r) => r.model === model && r.arm === arm) ?? { shown: 0, accepted: 0, rejected: 0 };
  const complete = async (token: string) => {
    const r = await s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token,
      body: completionBody(),
    });
    expect(r.status).toBe(200);
    return r.body.model as { engine: string; name: string };
  };

  it('counts each suggestion once for the model and arm that served it (control, then beta with its gate)', async () => {
    const { user } = await s.f.seatedUser();
    const before = await acceptance();
    const model = await complete(user.token);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    // a: shown twice, then accepted twice; b: accepted before (without) shown; c: rejected
    for (const body of [
      event(SHOWN, a, model),
      event(SHOWN, a, model),
      event(ACCEPTED, a, model),
      event(ACCEPTED, a, model),
      event(ACCEPTED, b, model),
      event(SHOWN, b, model),
      event(SHOWN, c, model),
      event(REJECTED, c, model),
      event(ACCEPTED, c, model), // a rejected suggestion stays rejected
    ]) {
      const r = await track(user.token, body);
      expect({ status: r.status, text: r.text }).toEqual({ status: 200, text: '200' });
    }
    const control = `control:${BETA_FLAG}`;
    const after = await acceptance();
    const was = row(before.arms, DEFAULT_KEY, control);
    expect(row(after.arms, DEFAULT_KEY, control)).toMatchObject({
      gate: null,
      shown: was.shown + 3,
      accepted: was.accepted + 2,
      rejected: was.rejected + 1,
    });

    // the beta flag on for this user (actors gate): the next suggestions count for the beta arm
    await s.f.setFlag(BETA_FLAG, { value: true, user: user.username });
    const beta = await complete(user.token);
    expect(beta.name).toBe('codestral_2508_vertex');
    const d = randomUUID();
    expect((await track(user.token, event(ACCEPTED, d, beta))).status).toBe(200);
    const later = await acceptance();
    expect(row(later.arms, BETA_KEY, `beta:${BETA_FLAG}`)).toMatchObject({
      gate: 'actors',
      shown: 1,
      accepted: 1,
      rejected: 0,
      acceptance_rate: 1,
    });
    // the default arm's counts did not move
    expect(row(later.arms, DEFAULT_KEY, control)).toMatchObject({ shown: was.shown + 3 });
    await s.app.api.call('DELETE', `/api/v4/features/${BETA_FLAG}`, { token: s.app.rootToken });
  });

  it('reports the acceptance rate with a Wilson 95 % interval, by language on request', async () => {
    const { user } = await s.f.seatedUser();
    const model = await complete(user.token);
    for (let i = 0; i < 4; i++) {
      const id = randomUUID();
      await track(user.token, event(SHOWN, id, model, { language: 'Rust' }));
      if (i < 3) await track(user.token, event(ACCEPTED, id, model, { language: 'Rust' }));
    }
    const body = await acceptance('minutes=10&by=language');
    expect(body.interval).toBe('wilson_95');
    const rust = body.arms.find((r) => r.language === 'rust' && r.model === DEFAULT_KEY);
    expect(rust).toMatchObject({ shown: 4, accepted: 3, acceptance_rate: 0.75 });
    // Wilson 95 % for 3 of 4: [0.3006, 0.9544]
    expect(rust?.ci95?.low).toBeCloseTo(0.3006, 3);
    expect(rust?.ci95?.high).toBeCloseTo(0.9544, 3);
    const model1 = (await acceptance()).models.find((m) => m.model === DEFAULT_KEY);
    expect(model1?.shown).toBeGreaterThanOrEqual(4);
  });

  it('answers bad input as GitLab does or with a clear 4xx, and leaves the rollup alone', async () => {
    const { user } = await s.f.seatedUser();
    const model = await complete(user.token);
    const before = await acceptance();
    const id = randomUUID();
    const cases: Array<[unknown, number, RegExp]> = [
      [{}, 400, /event is missing/],
      [{ event: 7 }, 400, /event is invalid/],
      [{ event: SHOWN, project_id: 'abc' }, 400, /project_id/],
      [{ event: SHOWN, additional_properties: 'x' }, 400, /additional_properties/],
      [
        event(SHOWN, id, model, { language: 'x'.repeat(65) }),
        400,
        /additional_properties\[language\] is too long/,
      ],
      [event(SHOWN, 'y'.repeat(65), model), 400, /unique_tracking_id\] is too long/],
      [event(SHOWN, id, model, { nested: { a: 1 } }), 400, /additional_properties\[nested\]/],
      [{ event: SHOWN, additional_properties: { junk: 'z'.repeat(17_000) } }, 413, /413/],
      // GitLab answers 200 for an event it does not define, and for one without the id we key on
      [event('some_unknown_event', id, model), 200, /^200$/],
      [{ event: SHOWN, additional_properties: { language: 'python' } }, 200, /^200$/],
    ];
    for (const [body, status, text] of cases) {
      const r = await track(user.token, body);
      expect({ status: r.status, text: r.text }).toEqual({
        status,
        text: expect.stringMatching(text),
      });
    }
    const unauthenticated = await s.app.api.call('POST', '/api/v4/usage_data/track_event', {
      body: event(SHOWN, id, model),
    });
    expect(unauthenticated.status).toBe(401);

    // a model we never served: counted under its own name, arm unknown; ours untouched
    const ghost = { engine: 'nowhere_ai', name: 'ghost-model-1' };
    expect((await track(user.token, event(ACCEPTED, randomUUID(), ghost))).status).toBe(200);
    const after = await acceptance();
    expect(row(after.arms, 'ghost-model-1', 'unknown')).toMatchObject({ shown: 1, accepted: 1 });
    for (const r of before.arms)
      expect(row(after.arms, r.model, r.arm)).toMatchObject({
        shown: r.shown,
        accepted: r.accepted,
      });
  });

  it('limits a flood from one user (429 with Retry-After) without counting it', async () => {
    const { user } = await s.f.seatedUser();
    const model = await complete(user.token);
    const answers = await Promise.all(
      Array.from({ length: EVENTS_PER_MINUTE + 20 }, () =>
        track(user.token, event(SHOWN, randomUUID(), model, { language: 'go' })),
      ),
    );
    const limited = answers.filter((r) => r.status === 429);
    expect(answers.filter((r) => r.status === 200)).toHaveLength(EVENTS_PER_MINUTE);
    expect(limited).toHaveLength(20);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThan(0);
    const go = (await acceptance('minutes=10&by=language')).arms.filter((r) => r.language === 'go');
    expect(go.reduce((n, r) => n + r.shown, 0)).toBe(EVENTS_PER_MINUTE);
    // another user is not limited by it
    const other = await s.f.seatedUser();
    expect((await track(other.user.token, event(SHOWN, randomUUID(), model))).status).toBe(200);
  });

  it('GET acceptance is for administrators, its query validated', async () => {
    const { user } = await s.f.seatedUser();
    const get = (q: string, token: string) =>
      s.app.api.call('GET', `/api/v4/code_suggestions/acceptance${q}`, { token });
    expect((await get('', user.token)).status).toBe(403);
    expect((await get('?minutes=0', s.app.rootToken)).body).toMatchObject({
      error: 'minutes must be greater than or equal to 1',
    });
    expect((await get('?by=model', s.app.rootToken)).status).toBe(400);
    expect((await get('?extra=1', s.app.rootToken)).status).toBe(400);
  });

  it('exports events by event and catalogue model on /metrics', async () => {
    const { user } = await s.f.seatedUser();
    const model = await complete(user.token);
    await track(user.token, event(SHOWN, randomUUID(), model));
    await track(user.token, event(SHOWN, randomUUID(), { engine: 'x', name: 'ghost-model-2' }));
    const metrics = await s.app.api.call('GET', '/metrics', { token: s.app.rootToken });
    expect(metrics.text).toMatch(
      new RegExp(
        `switchboard_acceptance_events_total\\{event="shown",model="${DEFAULT_KEY}"\\} \\d+`,
      ),
    );
    expect(metrics.text).toMatch(
      /switchboard_acceptance_events_total\{event="shown",model="other"\} \d+/,
    );
    expect(metrics.text).not.toContain('ghost-model-2');
    expect(metrics.text).toMatch(
      /switchboard_acceptance_events_ignored_total\{reason="unknown_event"\} \d+/,
    );
  });
});
