import { decideRoute } from '../../../src/routing/routing-policy';
import { SelectionRefusedError } from '../../../src/routing/selection-rule';
import type {
  BreakerView,
  ModelSelectionInput,
  ModelSource,
} from '../../../src/routing/routing.types';
import {
  breakersOpenFor,
  context,
  F,
  fakeFlags,
  FlagTable,
  GROUP_A,
  request,
  shippedCatalogue,
} from './routing-fakes';

const cat = shippedCatalogue();
const BY = `group acme (id ${GROUP_A})`;
const VERTEX: ModelSelectionInput = { identifier: 'codestral_2508_vertex', by: BY };
/** Offered by the gateway, but Switchboard's catalogue has no v2 form of it. */
const NO_V2: ModelSelectionInput = { identifier: 'codestral_2501_fireworks', by: BY };

interface Case {
  name: string;
  selection?: ModelSelectionInput;
  flags?: FlagTable;
  breakers?: BreakerView;
  expect: { path: string; model: string | null; source: ModelSource; identifier?: string };
}

/**
 * The order, written down: (1) the failover rule (manual flag, or automatic on an open breaker)
 * overrides everything; (2) the v4 switch picks the API; (3) an explicit selection beats (4) the
 * beta rules and (5) the default; a stale selection counts as "GitLab default", where the beta
 * rule and its opt-out keep their meaning.
 */
const cases: Case[] = [
  {
    name: 'GitLab default, v4: no identifier, the default model',
    flags: { user: [F.v4] },
    expect: { path: '/v4/code/suggestions', model: 'codestral-2508-fireworks', source: 'default' },
  },
  {
    name: 'selection on v4: sent as model_metadata.identifier',
    selection: VERTEX,
    flags: { user: [F.v4] },
    expect: {
      path: '/v4/code/suggestions',
      model: 'codestral-2508-vertex',
      source: 'selected',
      identifier: 'codestral_2508_vertex',
    },
  },
  {
    name: 'selection on v4 of a model without a catalogue entry: identifier only',
    selection: NO_V2,
    flags: { user: [F.v4] },
    expect: {
      path: '/v4/code/suggestions',
      model: null,
      source: 'selected',
      identifier: 'codestral_2501_fireworks',
    },
  },
  {
    name: 'selection on v2: the matching catalogue model by name',
    selection: VERTEX,
    expect: { path: '/v2/code/completions', model: 'codestral-2508-vertex', source: 'selected' },
  },
  {
    name: 'selection beats the beta rollout',
    selection: { identifier: 'codestral_2508_fireworks', by: BY },
    flags: { user: [F.v4, F.codestral] },
    expect: {
      path: '/v4/code/suggestions',
      model: 'codestral-2508-fireworks',
      source: 'selected',
      identifier: 'codestral_2508_fireworks',
    },
  },
  {
    name: 'GitLab default: the beta rollout applies',
    flags: { user: [F.v4, F.codestral] },
    expect: {
      path: '/v4/code/suggestions',
      model: 'codestral-2508-vertex',
      source: 'beta',
      identifier: 'codestral_2508_vertex',
    },
  },
  {
    name: 'GitLab default: the opt-out keeps its meaning',
    flags: { user: [F.v4, F.codestral], groups: { [F.optOut]: [GROUP_A] } },
    expect: { path: '/v4/code/suggestions', model: 'codestral-2508-fireworks', source: 'default' },
  },
  {
    name: 'a stale selection is GitLab default (beta applies), never a silent substitute',
    selection: { ...VERTEX, identifier: 'codestral_2508_fireworks', stale: true },
    flags: { user: [F.codestral] },
    expect: { path: '/v2/code/completions', model: 'codestral-2508-vertex', source: 'beta' },
  },
  {
    name: 'manual failover overrides the selection',
    selection: VERTEX,
    flags: { user: [F.failover] },
    expect: {
      path: '/v2/code/completions',
      model: 'claude-sonnet-4-5-fim',
      source: 'failover_manual',
    },
  },
  {
    name: "automatic failover overrides the selection when the selected model's breaker is open",
    selection: VERTEX,
    breakers: breakersOpenFor('vertex-ai/codestral-2508'),
    expect: {
      path: '/v2/code/completions',
      model: 'claude-sonnet-4-5-fim',
      source: 'failover_automatic',
    },
  },
];

describe('routing with a model selection (order table)', () => {
  it.each(cases)('$name', (c) => {
    const d = decideRoute(
      request(),
      context(c.selection ? { selection: c.selection } : {}),
      fakeFlags(c.flags),
      cat,
      c.breakers,
    );
    expect(d.endpointPath).toBe(c.expect.path);
    expect(d.model?.key ?? null).toBe(c.expect.model);
    expect(d.modelSource).toBe(c.expect.source);
    expect(d.modelMetadata?.identifier).toBe(c.expect.identifier);
  });

  it('explain says who selected it', () => {
    const d = decideRoute(
      request(),
      context({ selection: VERTEX }),
      fakeFlags({ user: [F.v4] }),
      cat,
    );
    const t = d.trace.find((r) => r.rule === 'completion.model_selection');
    expect(t).toMatchObject({
      matched: true,
      why: `selected by ${BY}: codestral_2508_vertex (model_metadata.identifier)`,
    });
  });

  it('a selection with no v2 form is refused on v2 with the reason', () => {
    expect(() => decideRoute(request(), context({ selection: NO_V2 }), fakeFlags(), cat)).toThrow(
      SelectionRefusedError,
    );
    expect(() => decideRoute(request(), context({ selection: NO_V2 }), fakeFlags(), cat)).toThrow(
      /codestral_2501_fireworks selected by group acme .* has no v2 form/,
    );
  });
});
