import { decideDirectAccess, decideRoute } from '../../../src/routing/routing-policy';
import type { ModelCatalogue } from '../../../src/routing/model-catalogue';
import type {
  BreakerView,
  DirectAccessDenial,
  ModelSource,
  RoutingContext,
  RoutingRequest,
} from '../../../src/routing/routing.types';
import {
  breakersDueForProbe,
  breakersOpenFor,
  context,
  editedCatalogue,
  F,
  fakeFlags,
  FlagTable,
  GROUP_A,
  GROUP_B,
  request,
  shippedCatalogue,
} from './routing-fakes';

const shipped = shippedCatalogue();
const manualMode = editedCatalogue((t) => t.replace('mode: automatic', 'mode: manual'));
/** Same rules with the v4 switch moved above failover: rule order is data. */
const v4First = editedCatalogue((t) => {
  const failover = / {4}- rule: failover\n(?: {6}.*\n)+/.exec(t)?.[0] ?? '';
  const v4 = / {4}- rule: gateway_api\n(?: {6}.*\n)+/.exec(t)?.[0] ?? '';
  if (!failover || !v4) throw new Error('could not find the rules to swap');
  return t.replace(failover, '@@F@@').replace(v4, failover).replace('@@F@@', v4);
});

const GECKO = 'codestral-2508-fireworks'; // the default primary
const CODESTRAL = 'codestral-2508-vertex'; // the beta candidate
const CLAUDE = 'claude-sonnet-4-5-fim';
const GECKO_BREAKER = 'fireworks_ai/codestral-2508';
const CODESTRAL_BREAKER = 'vertex-ai/codestral-2508';

interface Case {
  name: string;
  req?: Partial<RoutingRequest>;
  ctx?: Partial<RoutingContext>;
  flags?: FlagTable;
  breakers?: BreakerView;
  catalogue?: ModelCatalogue;
  /** Catalogue keys the gateway no longer offers. */
  retired?: string[];
  expect: {
    task?: 'completion' | 'generation';
    path: string;
    model: string | null;
    source: ModelSource;
    direct: true | DirectAccessDenial;
    promptVersion?: string;
    /** v4 model_metadata; absent on v2 and for generations. */
    metadata?: Record<string, string>;
    flags?: Record<string, boolean>;
  };
}

const selfManaged: Partial<RoutingContext> = { realm: 'self-managed' };

const cases: Case[] = [
  // completion: default, v4, beta
  {
    name: 'no flags: default primary on v2, direct allowed',
    expect: {
      path: '/v2/code/completions',
      model: GECKO,
      source: 'default',
      direct: true,
      flags: { [F.failover]: false, [F.v4]: false, [F.codestral]: false },
    },
  },
  {
    name: 'v4 flag: /v4/code/suggestions with the default (no identifier sent)',
    flags: { user: [F.v4] },
    expect: {
      path: '/v4/code/suggestions',
      model: GECKO,
      source: 'default',
      direct: true,
      metadata: { provider: 'gitlab', feature_setting: 'code_completions' },
      flags: { [F.failover]: false, [F.v4]: true, [F.codestral]: false },
    },
  },
  {
    name: 'v4 flag, streamed request without SSE support: v2 raw chunks',
    req: { stream: true },
    flags: { user: [F.v4] },
    expect: { path: '/v2/code/completions', model: GECKO, source: 'default', direct: true },
  },
  {
    name: 'v4 flag, streamed request with SSE support: v4',
    req: { stream: true, supportsSseStreaming: true },
    flags: { user: [F.v4] },
    expect: {
      path: '/v4/code/suggestions',
      model: GECKO,
      source: 'default',
      direct: true,
      metadata: { provider: 'gitlab', feature_setting: 'code_completions' },
    },
  },
  {
    name: 'v4 flag and beta: the beta model is sent as the identifier',
    flags: { user: [F.v4, F.codestral] },
    expect: {
      path: '/v4/code/suggestions',
      model: CODESTRAL,
      source: 'beta',
      direct: true,
      metadata: {
        provider: 'gitlab',
        feature_setting: 'code_completions',
        identifier: 'codestral_2508_vertex',
      },
      flags: { [F.failover]: false, [F.v4]: true, [F.codestral]: true, [F.optOut]: false },
    },
  },
  {
    name: 'v4 flag, beta on, opted out: default, no identifier',
    flags: { user: [F.v4, F.codestral], groups: { [F.optOut]: [GROUP_A] } },
    expect: {
      path: '/v4/code/suggestions',
      model: GECKO,
      source: 'default',
      direct: true,
      metadata: { provider: 'gitlab', feature_setting: 'code_completions' },
    },
  },
  {
    name: 'beta on, no opt-out (SaaS): new model',
    flags: { user: [F.codestral] },
    expect: {
      path: '/v2/code/completions',
      model: CODESTRAL,
      source: 'beta',
      direct: true,
      flags: { [F.failover]: false, [F.v4]: false, [F.codestral]: true, [F.optOut]: false },
    },
  },
  {
    name: 'beta on, opt-out on one of two seat groups (SaaS): default',
    flags: { user: [F.codestral], groups: { [F.optOut]: [GROUP_B] } },
    expect: {
      path: '/v2/code/completions',
      model: GECKO,
      source: 'default',
      direct: true,
      flags: { [F.failover]: false, [F.v4]: false, [F.codestral]: true, [F.optOut]: true },
    },
  },
  {
    name: 'beta on, opt-out on the instance only (SaaS): instance not consulted, new model',
    flags: { user: [F.codestral], instance: [F.optOut] },
    expect: {
      path: '/v2/code/completions',
      model: CODESTRAL,
      source: 'beta',
      direct: true,
      flags: { [F.failover]: false, [F.v4]: false, [F.codestral]: true, [F.optOut]: false },
    },
  },
  {
    name: 'beta on, user with no seat group (SaaS): nobody opted out',
    ctx: { seatGroups: [] },
    flags: { user: [F.codestral] },
    expect: {
      path: '/v2/code/completions',
      model: CODESTRAL,
      source: 'beta',
      direct: true,
      flags: { [F.failover]: false, [F.v4]: false, [F.codestral]: true },
    },
  },
  {
    name: 'beta off, opt-out on: opt-out not consulted',
    flags: { groups: { [F.optOut]: [GROUP_A] } },
    expect: {
      path: '/v2/code/completions',
      model: GECKO,
      source: 'default',
      direct: true,
      flags: { [F.failover]: false, [F.v4]: false, [F.codestral]: false },
    },
  },
  {
    name: 'self-managed, beta on, opt-out on the instance: default',
    ctx: selfManaged,
    flags: { user: [F.codestral], instance: [F.optOut] },
    expect: {
      path: '/v2/code/completions',
      model: GECKO,
      source: 'default',
      direct: true,
      flags: { [F.failover]: false, [F.v4]: false, [F.codestral]: true, [F.optOut]: true },
    },
  },
  {
    name: 'self-managed, beta on, opt-out on a group only: group ignored, new model',
    ctx: selfManaged,
    flags: { user: [F.codestral], groups: { [F.optOut]: [GROUP_A, GROUP_B] } },
    expect: {
      path: '/v2/code/completions',
      model: CODESTRAL,
      source: 'beta',
      direct: true,
      flags: { [F.failover]: false, [F.v4]: false, [F.codestral]: true, [F.optOut]: false },
    },
  },
  // completion: failover
  {
    name: 'manual failover: backup on v2, direct forbidden',
    flags: { user: [F.failover] },
    expect: {
      path: '/v2/code/completions',
      model: CLAUDE,
      source: 'failover_manual',
      direct: 'failover_manual',
      flags: { [F.failover]: true },
    },
  },
  {
    name: 'manual failover beats v4 (shipped order)',
    flags: { user: [F.failover, F.v4] },
    expect: {
      path: '/v2/code/completions',
      model: CLAUDE,
      source: 'failover_manual',
      direct: 'failover_manual',
      flags: { [F.failover]: true },
    },
  },
  {
    name: 'manual failover beats beta',
    flags: { user: [F.failover, F.codestral] },
    expect: {
      path: '/v2/code/completions',
      model: CLAUDE,
      source: 'failover_manual',
      direct: 'failover_manual',
    },
  },
  {
    name: 'catalogue with v4 above failover (GitLab order): v4 wins, direct still forbidden by the flag',
    catalogue: v4First,
    flags: { user: [F.failover, F.v4] },
    expect: {
      path: '/v4/code/suggestions',
      model: GECKO,
      source: 'default',
      direct: 'failover_manual',
      metadata: { provider: 'gitlab', feature_setting: 'code_completions' },
      flags: { [F.v4]: true, [F.failover]: true, [F.codestral]: false },
    },
  },
  {
    name: 'catalogue with v4 above failover: an open breaker is left to the gateway',
    catalogue: v4First,
    flags: { user: [F.v4] },
    breakers: breakersOpenFor(GECKO_BREAKER),
    expect: {
      path: '/v4/code/suggestions',
      model: GECKO,
      source: 'default',
      direct: true,
      metadata: { provider: 'gitlab', feature_setting: 'code_completions' },
    },
  },
  {
    name: 'v4 with the default breaker open (shipped order): backup on v2',
    flags: { user: [F.v4] },
    breakers: breakersOpenFor(GECKO_BREAKER),
    expect: {
      path: '/v2/code/completions',
      model: CLAUDE,
      source: 'failover_automatic',
      direct: 'failover_automatic',
    },
  },
  {
    name: 'automatic mode, breaker open for the default: backup, direct forbidden',
    breakers: breakersOpenFor(GECKO_BREAKER),
    expect: {
      path: '/v2/code/completions',
      model: CLAUDE,
      source: 'failover_automatic',
      direct: 'failover_automatic',
    },
  },
  {
    name: 'automatic mode, breaker open for the beta model the user would get: backup',
    flags: { user: [F.codestral] },
    breakers: breakersOpenFor(CODESTRAL_BREAKER),
    expect: {
      path: '/v2/code/completions',
      model: CLAUDE,
      source: 'failover_automatic',
      direct: 'failover_automatic',
    },
  },
  {
    name: 'automatic mode, breaker open for a model not picked: no failover',
    breakers: breakersOpenFor(CODESTRAL_BREAKER),
    expect: { path: '/v2/code/completions', model: GECKO, source: 'default', direct: true },
  },
  {
    name: 'automatic mode without a breaker view: no failover',
    expect: { path: '/v2/code/completions', model: GECKO, source: 'default', direct: true },
  },
  {
    name: 'manual mode ignores an open breaker',
    catalogue: manualMode,
    breakers: breakersOpenFor(GECKO_BREAKER),
    expect: { path: '/v2/code/completions', model: GECKO, source: 'default', direct: true },
  },
  // retired models (the gateway stopped offering them): the rule is skipped, visibly
  {
    name: 'beta model retired: beta rule skipped, default',
    flags: { user: [F.codestral] },
    retired: [CODESTRAL],
    expect: { path: '/v2/code/completions', model: GECKO, source: 'default', direct: true },
  },
  {
    name: 'beta model retired on v4: default, no identifier',
    flags: { user: [F.v4, F.codestral] },
    retired: [CODESTRAL],
    expect: {
      path: '/v4/code/suggestions',
      model: GECKO,
      source: 'default',
      direct: true,
      metadata: { provider: 'gitlab', feature_setting: 'code_completions' },
    },
  },
  {
    name: 'backup retired: manual failover skipped, default (direct still forbidden by the flag)',
    flags: { user: [F.failover] },
    retired: [CLAUDE],
    expect: {
      path: '/v2/code/completions',
      model: GECKO,
      source: 'default',
      direct: 'failover_manual',
    },
  },
  {
    name: 'backup retired: an open breaker keeps the default',
    breakers: breakersOpenFor(GECKO_BREAKER),
    retired: [CLAUDE],
    expect: { path: '/v2/code/completions', model: GECKO, source: 'default', direct: true },
  },
  // direct access causes
  {
    name: 'instance setting disables direct access',
    ctx: { instanceDirectDisabled: true },
    expect: {
      path: '/v2/code/completions',
      model: GECKO,
      source: 'default',
      direct: 'instance_disabled',
    },
  },
  {
    name: 'a seat group disables direct access',
    ctx: {
      seatGroups: [
        { id: GROUP_A, directCodeSuggestionsEnabled: true },
        { id: GROUP_B, directCodeSuggestionsEnabled: false },
      ],
    },
    expect: {
      path: '/v2/code/completions',
      model: GECKO,
      source: 'default',
      direct: 'group_disabled',
    },
  },
  {
    name: 'instance setting is reported before failover',
    ctx: { instanceDirectDisabled: true },
    flags: { user: [F.failover] },
    expect: {
      path: '/v2/code/completions',
      model: CLAUDE,
      source: 'failover_manual',
      direct: 'instance_disabled',
    },
  },
  // generation
  {
    name: 'generation without SSE support: v3, primary prompt',
    req: { intent: 'generation' },
    expect: {
      task: 'generation',
      path: '/v3/code/completions',
      model: null,
      source: 'gateway',
      direct: true,
      promptVersion: '^1.0.0',
      flags: { [F.genFailover]: false, [F.failover]: false },
    },
  },
  {
    name: 'generation with SSE support: v4',
    req: { intent: 'generation', supportsSseStreaming: true },
    expect: {
      task: 'generation',
      path: '/v4/code/suggestions',
      model: null,
      source: 'gateway',
      direct: true,
      promptVersion: '^1.0.0',
    },
  },
  {
    name: 'generation failover: backup prompt version, v3',
    req: { intent: undefined, userInstruction: 'write a parser' },
    flags: { user: [F.genFailover] },
    expect: {
      task: 'generation',
      path: '/v3/code/completions',
      model: null,
      source: 'failover_manual',
      direct: true,
      promptVersion: '2.0.0',
    },
  },
  {
    name: 'generation failover with SSE: backup prompt version, v4',
    req: { intent: 'generation', supportsSseStreaming: true },
    flags: { user: [F.genFailover] },
    expect: {
      task: 'generation',
      path: '/v4/code/suggestions',
      model: null,
      source: 'failover_manual',
      direct: true,
      promptVersion: '2.0.0',
    },
  },
  {
    name: 'generation ignores completion flags for routing, but completion failover forbids direct access',
    req: { intent: undefined, contentAboveCursor: '# parse the config file and return a dict\n' },
    flags: { user: [F.failover, F.v4, F.codestral] },
    expect: {
      task: 'generation',
      path: '/v3/code/completions',
      model: null,
      source: 'gateway',
      direct: 'failover_manual',
      promptVersion: '^1.0.0',
      flags: { [F.genFailover]: false, [F.failover]: true },
    },
  },
];

describe('decideRoute', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const oracle = fakeFlags(c.flags);
    const d = decideRoute(
      request(c.req),
      context(c.ctx),
      oracle,
      c.catalogue ?? shipped,
      c.breakers,
      c.retired && {
        retiredReason: (m) =>
          c.retired?.includes(m.key) ? 'not offered by the gateway' : undefined,
      },
    );

    expect(d.task).toBe(c.expect.task ?? 'completion');
    expect(d.endpointPath).toBe(c.expect.path);
    expect(d.api).toBe(c.expect.path.split('/')[1]);
    expect(d.model?.key ?? null).toBe(c.expect.model);
    expect(d.modelSource).toBe(c.expect.source);
    expect(d.directAccess).toEqual(
      c.expect.direct === true ? { allowed: true } : { allowed: false, reason: c.expect.direct },
    );
    expect(d.generationPrompt?.promptVersion).toBe(c.expect.promptVersion);
    if (d.api === 'v4' && d.task === 'completion')
      expect(d.modelMetadata).toEqual(c.expect.metadata);
    else expect(d.modelMetadata).toBeUndefined();
    if (c.expect.flags) expect(d.decidingFlags).toEqual(c.expect.flags);

    // Every flag asked is reported, every reported flag was asked, and the trace names them.
    const askedNames = new Set(oracle.asked.map((a) => a.split(':')[1]));
    expect(new Set(Object.keys(d.decidingFlags))).toEqual(askedNames);
    const traced = new Set(d.trace.flatMap((t) => t.consulted));
    for (const flag of askedNames) expect(traced.has(flag)).toBe(true);
    expect(d.trace[0].rule).toBe('task');
    expect(d.trace.at(-1)?.rule).toBe('direct_access');
  });

  it('says in the trace that a retired beta model was skipped', () => {
    const d = decideRoute(
      request(),
      context(),
      fakeFlags({ user: [F.codestral] }),
      shipped,
      undefined,
      {
        retiredReason: (m) => (m.key === CODESTRAL ? 'not in /v1/models/definitions' : undefined),
      },
    );
    const beta = d.trace.find((t) => t.rule === 'completion.beta:codestral-2508-vertex');
    expect(beta).toMatchObject({ matched: false });
    expect(beta?.why).toContain('retired (not in /v1/models/definitions)');
  });

  it('asks each opt-out per seat group on SaaS and stops at the first group that opted out', () => {
    const oracle = fakeFlags({ user: [F.codestral], groups: { [F.optOut]: [GROUP_A] } });
    const d = decideRoute(request(), context(), oracle, shipped);
    expect(oracle.asked).toContain(`group:${F.optOut}:${GROUP_A}`);
    expect(oracle.asked).not.toContain(`group:${F.optOut}:${GROUP_B}`);
    expect(oracle.asked).not.toContain(`instance:${F.optOut}`);
    const beta = d.trace.find((t) => t.rule === 'completion.beta:codestral-2508-vertex');
    expect(beta).toMatchObject({ matched: false, consulted: [F.codestral, F.optOut] });
    expect(beta?.why).toContain(`seat group ${GROUP_A}`);
  });

  it('asks a user flag once even when two rules need it', () => {
    const oracle = fakeFlags({});
    decideRoute(request(), context(), oracle, shipped);
    expect(oracle.asked.filter((a) => a === `user:${F.failover}`)).toHaveLength(1);
  });

  it('explains automatic failover in the trace', () => {
    const d = decideRoute(
      request(),
      context(),
      fakeFlags(),
      shipped,
      breakersOpenFor(GECKO_BREAKER),
    );
    expect(d.trace.map((t) => t.rule)).toEqual([
      'task',
      'completion.failover',
      'completion.gateway_api_v4',
      'completion.model_selection',
      'completion.beta:codestral-2508-vertex',
      'completion.default',
      'completion.failover_automatic',
      'direct_access',
    ]);
    expect(d.trace.find((t) => t.rule === 'completion.failover_automatic')).toMatchObject({
      matched: true,
    });
  });

  it.each([
    [breakersOpenFor(), 'breaker closed for '],
    [breakersDueForProbe(GECKO_BREAKER), 'breaker open for '],
  ])(
    'names an open breaker due for a probe as open, as Incidents does, never as closed (%#)',
    (breakers, said) => {
      const d = decideRoute(request(), context(), fakeFlags(), shipped, breakers);
      const step = d.trace.find((t) => t.rule === 'completion.failover_automatic');
      expect(step?.matched).toBe(false);
      expect(step?.why).toContain(said + GECKO_BREAKER);
      expect(d.model?.key).toBe(GECKO);
      if (said.includes('open')) expect(step?.why).toMatch(/due for a probe/);
    },
  );

  it('classifies by the trailing comment and records why', () => {
    const d = decideRoute(
      request({
        intent: undefined,
        contentAboveCursor: 'import os\n# list every file in the folder\n',
      }),
      context(),
      fakeFlags(),
      shipped,
    );
    expect(d).toMatchObject({ task: 'generation', generationType: 'comment' });
    expect(d.trace[0].why).toContain('comment');
  });

  it('decideDirectAccess gives the completion decision without a body', () => {
    const allowed = decideDirectAccess(context(), fakeFlags({ user: [F.codestral] }), shipped);
    expect(allowed).toMatchObject({
      task: 'completion',
      directAccess: { allowed: true },
      model: { key: CODESTRAL },
    });
    const denied = decideDirectAccess(context(), fakeFlags({ user: [F.failover] }), shipped);
    expect(denied.directAccess).toEqual({ allowed: false, reason: 'failover_manual' });
  });
});
