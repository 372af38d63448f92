import { samples } from '../support/failover-helpers';
import { shippedCatalogue } from '../support/catalogue';
import { completionBody, startStack, Stack } from '../support/stack';
import { BACKENDS } from '../support/test-database';
import { waitUntil } from '../support/wait';

jest.setTimeout(120_000);

/**
 * The gateway stops offering a model (a deploy retired it): Switchboard reads that from its
 * `/v1/models/definitions` and stops sending it, visibly. A group's selection of it goes stale
 * (its users get the default; the API, explain, /metrics say so); a beta rule naming it is not
 * applied (readiness detail and /metrics say so). When the gateway offers it again, both return.
 */
const cat = shippedCatalogue();
const beta = cat.completionRules.find((r) => r.kind === 'beta');
if (beta?.kind !== 'beta' || !beta.model.gitlabIdentifier) throw new Error('models.yml: no beta');
const RETIRED = beta.model.gitlabIdentifier;
const FEATURE = 'code_completions';

describe.each(BACKENDS)('the gateway retires a model it offered (%s)', (backend) => {
  let s: Stack;
  const root = () => s.app.rootToken;
  const call = (method: string, path: string, body?: unknown) =>
    s.app.api.call(method, path, { token: root(), body });
  const upstreamIdentifierFor = async (token: string): Promise<string | undefined> => {
    const mark = s.mark();
    const r = await s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token,
      body: completionBody(),
    });
    expect(r.status).toBe(200);
    const [sent] = s.since(mark) as Array<{ path: string; body: any }>;
    expect(sent.path).toBe('/v4/code/suggestions');
    return sent.body.model_metadata?.identifier;
  };
  const gauge = async (name: string, labels: Record<string, string>) => {
    const text = (await call('GET', '/metrics')).text;
    const hit = samples(text, name).filter((x) =>
      Object.entries(labels).every(([k, v]) => x.labels[k] === v),
    );
    return hit.length === 1 ? hit[0].value : undefined;
  };

  beforeAll(async () => {
    s = await startStack({ backend, env: { GATEWAY_MODELS_REFRESH_MS: '100' } });
  }, 60_000);
  afterAll(() => s?.close());

  it('a selection of it goes stale and falls back to the default; a beta of it is not sent', async () => {
    const selecting = await s.f.seatedUser();
    const betaUser = await s.f.seatedUser();
    const setting = `/api/v4/groups/${selecting.group.id}/ai_feature_settings/${FEATURE}`;
    expect((await call('PUT', setting, { offered_model_ref: RETIRED })).status).toBe(200);
    const flag = `/api/v4/features/${beta.flag}`;
    expect((await call('POST', flag, { value: true, user: betaUser.user.username })).status).toBe(
      201,
    );
    expect(await upstreamIdentifierFor(selecting.user.token)).toBe(RETIRED);
    expect(await upstreamIdentifierFor(betaUser.user.token)).toBe(RETIRED);
    expect(
      await gauge('switchboard_model_selections_stale', { feature: FEATURE, scope: 'group' }),
    ).toBe(0);

    s.stub.offer.withdraw([RETIRED]);
    await waitUntil(
      async () => (await call('GET', setting)).body.stale === true,
      'selection stale',
    );
    const view = (await call('GET', setting)).body;
    expect(view.selected_model.ref).toBe(RETIRED);
    expect(view.effective_model.ref).toBe(view.default_model.ref);
    await waitUntil(
      async () =>
        (await gauge('switchboard_catalogue_model_offered', { model: beta.model.key })) === 0,
      'beta reported retired',
    );

    expect(await upstreamIdentifierFor(selecting.user.token)).toBeUndefined();
    expect(await upstreamIdentifierFor(betaUser.user.token)).toBeUndefined();
    expect(
      await gauge('switchboard_model_selections_stale', { feature: FEATURE, scope: 'group' }),
    ).toBe(1);
    const explain = await call(
      'GET',
      `/api/v4/code_suggestions/routing?user=${selecting.user.username}`,
    );
    expect(explain.body.model_selection).toMatchObject({ identifier: RETIRED, stale: true });
    const ready = await s.app.api.call('GET', '/-/readiness');
    const models = ready.body.checks.model_catalogue.detail.models as Array<{
      key: string;
      offered: boolean;
    }>;
    expect(models.find((m) => m.key === beta.model.key)?.offered).toBe(false);
    expect(ready.body.checks.model_catalogue.degraded).toBe(true);

    s.stub.offer.restore();
    await waitUntil(async () => (await call('GET', setting)).body.stale === false, 'offered again');
    await waitUntil(
      async () =>
        (await gauge('switchboard_catalogue_model_offered', { model: beta.model.key })) === 1,
      'beta offered again',
    );
    expect(await upstreamIdentifierFor(selecting.user.token)).toBe(RETIRED);
    expect(await upstreamIdentifierFor(betaUser.user.token)).toBe(RETIRED);
    expect(
      await gauge('switchboard_model_selections_stale', { feature: FEATURE, scope: 'group' }),
    ).toBe(0);
  });

  it("the twin refuses to withdraw a feature's default (a gateway always offers it)", async () => {
    const r = await fetch(`${s.stub.url}/stub/models/withdrawn`, {
      method: 'PUT',
      body: JSON.stringify({ identifiers: [cat.models.values().next().value!.gitlabIdentifier] }),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { detail: string }).detail).toContain('default model');
  });
});
