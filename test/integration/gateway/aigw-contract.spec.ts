import { aigwLimits, featureSetting } from '../../../src/common/aigw/aigw-contract';
import { EDGE_LIMITS } from '../../../src/code-suggestions/gateway-limits';
import { buildUpstreamCall, buildV2Body } from '../../../src/routing/request-builders';
import { decideDirectAccess, decideRoute } from '../../../src/routing/routing-policy';
import type {
  CompletionInput,
  RoutingDecision,
  RoutingRequest,
} from '../../../src/routing/routing.types';
import { startStubGateway, type StubGateway } from '../../../src/stub-gateway/stub-gateway';
import {
  breakersOpenFor,
  context,
  F,
  fakeFlags,
  GROUP_A,
  request,
  shippedCatalogue,
  type FlagTable,
} from '../../unit/routing/routing-fakes';
import { gatewayHeaders, startFakeIssuer, type FakeIssuer } from '../stub-gateway/fake-issuer';

// Boots servers and does real I/O (HTTP): on a loaded machine that takes more than 5 s.
jest.setTimeout(60_000);

/**
 * The other half of the twin's contract (stub-gateway-contract.spec.ts checks it refuses what
 * the gateway refuses): every body our request builders make, for every catalogue model and
 * every rule of the shipped catalogue, is one the pinned gateway accepts, and it is served by the
 * model the decision meant. A builder or catalogue change the gateway would refuse fails here.
 */
const cat = shippedCatalogue();
const completions = featureSetting('code_completions');
if (!completions) throw new Error('the pinned catalogue has no code_completions feature setting');
const V4_ON: FlagTable = { user: [F.v4] };

const input = (over: Partial<CompletionInput> = {}): CompletionInput => ({
  project_path: 'group/project',
  project_id: 7,
  current_file: {
    file_name: 'src/main.py',
    content_above_cursor: 'def add(a, b):\n    ',
    content_below_cursor: '\n\nprint(add(1, 2))\n',
  },
  ...over,
});

/** Completion routing request matching an input. */
const routingOf = (i: CompletionInput, over: Partial<RoutingRequest> = {}): RoutingRequest =>
  request({
    intent: i.intent,
    contentAboveCursor: i.current_file.content_above_cursor,
    fileName: i.current_file.file_name,
    stream: i.stream,
    ...over,
  });

/** What the decision means the gateway to serve: the catalogue identifier. */
function expectedIdentifier(d: RoutingDecision): string | undefined {
  return d.modelMetadata?.identifier ?? d.model?.gitlabIdentifier ?? completions?.default_model;
}

describe('AI Gateway twin: accepts every request Switchboard builds', () => {
  let issuer: FakeIssuer;
  let gw: StubGateway;

  beforeAll(async () => {
    issuer = await startFakeIssuer();
    gw = await startStubGateway({ trustedIssuers: () => [issuer.url] });
  });
  afterAll(async () => {
    await gw.close();
    await issuer.close();
  });

  /** Sends a body as Switchboard does; answers status, the served model and any refusal. */
  const send = async (path: string, body: unknown) => {
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: gatewayHeaders(await issuer.sign()),
      body: JSON.stringify(body),
    });
    const text = await res.text();
    const rec = gw.requests.at(-1);
    return {
      path,
      status: res.status,
      served: rec?.model?.name,
      refused: rec?.validationErrors?.map((i) => `${i.type}@${i.loc.join('.')}: ${i.msg}`) ?? [],
      ignored: rec?.modelMetadataIgnored,
      text,
    };
  };

  /** Decides, builds and sends; expects 200 from the model the decision names. */
  const routeAndSend = async (
    flags: FlagTable,
    i: CompletionInput = input(),
    over: {
      req?: Partial<RoutingRequest>;
      ctx?: Parameters<typeof context>[0];
      open?: string[];
    } = {},
  ) => {
    const d = decideRoute(
      routingOf(i, over.req),
      context(over.ctx),
      fakeFlags(flags),
      cat,
      breakersOpenFor(...(over.open ?? [])),
    );
    const call = buildUpstreamCall(i, d);
    const r = await send(call.path, call.body);
    return { d, r };
  };

  const expectServed = (
    got: Awaited<ReturnType<typeof routeAndSend>>,
    want: { source: RoutingDecision['modelSource']; api: string; identifier?: string },
  ) => {
    const { d, r } = got;
    expect({ source: d.modelSource, api: d.api, status: r.status, refused: r.refused }).toEqual({
      source: want.source,
      api: want.api,
      status: 200,
      refused: [],
    });
    expect(r.ignored).toBeUndefined();
    if (d.task === 'completion') expect(r.served).toBe(want.identifier ?? expectedIdentifier(d));
  };

  it('v2: every catalogue model, as buildV2Body names it, served as that model', async () => {
    for (const m of cat.models.values()) {
      const r = await send('/v2/code/completions', buildV2Body(input(), m));
      expect({ model: m.key, status: r.status, refused: r.refused, served: r.served }).toEqual({
        model: m.key,
        status: 200,
        refused: [],
        served: m.gitlabIdentifier,
      });
    }
  });

  it('default rule: v4 with feature_setting (the gateway default), and v2 when the v4 flag is off', async () => {
    expectServed(await routeAndSend(V4_ON), {
      source: 'default',
      api: 'v4',
      identifier: completions.default_model,
    });
    expectServed(await routeAndSend({}), { source: 'default', api: 'v2' });
  });

  it('beta rule on v4 and v2; its opt-out puts the group back on the default', async () => {
    const beta = { user: [F.codestral] };
    expectServed(await routeAndSend({ user: [F.v4, F.codestral] }), { source: 'beta', api: 'v4' });
    expectServed(await routeAndSend(beta), { source: 'beta', api: 'v2' });
    const optedOut = { user: [F.v4, F.codestral], groups: { [F.optOut]: [GROUP_A] } };
    expectServed(await routeAndSend(optedOut), {
      source: 'default',
      api: 'v4',
      identifier: completions.default_model,
    });
  });

  it('failover, manual (flag) and automatic (open breaker): the backup on v2 with its prompt', async () => {
    const manual = await routeAndSend({ user: [F.v4, F.failover] });
    expectServed(manual, { source: 'failover_manual', api: 'v2' });
    const primary = [...cat.models.values()].find(
      (m) => m.gitlabIdentifier === completions.default_model,
    )!;
    const automatic = await routeAndSend(V4_ON, input(), {
      open: [`${primary.provider}/${primary.name}`],
    });
    expectServed(automatic, { source: 'failover_automatic', api: 'v2' });
    expect(automatic.d.model?.promptVersion).toBe(3);
  });

  it('a model a group selected: every selectable model of the pinned catalogue, on v4', async () => {
    for (const identifier of completions.selectable_models) {
      const got = await routeAndSend(V4_ON, input(), {
        ctx: { selection: { identifier, by: 'group acme (id 3)' } },
      });
      expectServed(got, { source: 'selected', api: 'v4', identifier });
    }
  });

  it('streaming: v4 SSE for a client that reads it, v2 raw text for one that does not', async () => {
    const streamed = input({ stream: true });
    const sse = await routeAndSend(V4_ON, streamed, { req: { supportsSseStreaming: true } });
    expectServed(sse, { source: 'default', api: 'v4', identifier: completions.default_model });
    expect(sse.r.text).toMatch(/^event: /m);
    const raw = await routeAndSend(V4_ON, streamed);
    expectServed(raw, { source: 'default', api: 'v2' });
  });

  it('generations: v3 by default, v4 with SSE, and the failover prompt version', async () => {
    const instruction = 'write a sum function';
    const gen = input({ intent: 'generation', user_instruction: instruction });
    const v3 = await routeAndSend(V4_ON, gen, { req: { userInstruction: instruction } });
    expectServed(v3, { source: 'gateway', api: 'v3' });
    const sse = { userInstruction: instruction, supportsSseStreaming: true };
    expectServed(await routeAndSend(V4_ON, gen, { req: sse }), { source: 'gateway', api: 'v4' });
    const failedOver = await routeAndSend({ user: [F.v4, F.genFailover] }, gen, {
      req: { userInstruction: instruction },
    });
    expect(failedOver.d.generationPrompt?.promptVersion).toBe(
      cat.generation.failover?.promptVersion,
    );
    expectServed(failedOver, { source: 'failover_manual', api: 'v3' });
  });

  it('the most our edge lets through: field lengths, context items and telemetry at their limits', async () => {
    const limits = aigwLimits();
    const telemetry = Array.from({ length: limits.telemetryItems }, () => ({
      model_engine: 'vertex-ai',
      model_name: 'codestral-2508',
      lang: 'python',
      experiments: [],
      requests: 1,
      accepts: 0,
      errors: 0,
    }));
    const atLimit = (api: 'v2' | 'v4') =>
      input({
        project_path: 'p'.repeat(limits.projectPath),
        current_file: {
          file_name: `${'f'.repeat(limits.fileName - 3)}.py`,
          content_above_cursor: 'def add(a, b):\n    ',
          language_identifier: 'l'.repeat(limits.languageIdentifier),
        },
        context: Array.from({ length: EDGE_LIMITS.completionContext[api].items }, (_, n) => ({
          type: 'file' as const,
          name: `util${n}.py`,
          content: n === 0 ? 'x'.repeat(EDGE_LIMITS.completionContext[api].content) : 'y',
        })),
        telemetry,
      });
    expectServed(await routeAndSend({}, atLimit('v2')), { source: 'default', api: 'v2' });
    expectServed(await routeAndSend(V4_ON, atLimit('v4')), {
      source: 'default',
      api: 'v4',
      identifier: completions.default_model,
    });
  });

  it("direct access: the IDE's own request from model_details (v2) and model_metadata (v4)", async () => {
    for (const flags of [{}, V4_ON, { user: [F.v4, F.codestral] }, { user: [F.codestral] }]) {
      const d = decideDirectAccess(context(), fakeFlags(flags), cat);
      expect(d.directAccess.allowed).toBe(true);
      // As the Language Server does: model_details spread into a /v2/completions body.
      const details = d.model ? { model_provider: d.model.provider, model_name: d.model.name } : {};
      const v2 = await send('/v2/completions', { ...buildV2Body(input(), d.model!), ...details });
      expect({ flags, status: v2.status, refused: v2.refused }).toEqual({
        flags,
        status: 200,
        refused: [],
      });
      expect(v2.served).toBe(d.model?.gitlabIdentifier);
      if (d.modelMetadata?.identifier) {
        const call = buildUpstreamCall(input(), {
          ...d,
          api: 'v4',
          endpointPath: '/v4/code/suggestions',
        });
        const v4 = await send(call.path, call.body);
        expect({ status: v4.status, served: v4.served }).toEqual({
          status: 200,
          served: d.modelMetadata.identifier,
        });
      }
    }
  });

  it('answers what it serves in the shape the gateway returns (choices with text)', async () => {
    const { r } = await routeAndSend(V4_ON);
    const body = JSON.parse(r.text) as { choices: { text: string }[] };
    expect(body.choices[0].text).toContain(completions.default_model);
    expect(body).toHaveProperty('metadata');
  });
});
