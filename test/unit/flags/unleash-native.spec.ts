import { toUnleashContext, userSubject } from '../../../src/flags/flag-context';
import { explainAnswer } from '../../../src/flags/explain';
import { FlagEngine } from '../../../src/flags/flag-engine';
import { applyGateChange } from '../../../src/flags/gate-changes';
import { emptyGates, FeatureState, strategiesToGates } from '../../../src/flags/gates';
import { featureStateName, presentNative } from '../../../src/flags/unleash-native';
import type { RemoteState, RemoteStrategy } from '../../../src/flags/stores/unleash-admin.client';
import { planWrite } from '../../../src/flags/stores/unleash-write-plan';
import { DomainError } from '../../../src/common/errors/domain-error';

/** Issue #26: strategies made in Unleash are the admin's data. */
const theirs: RemoteStrategy = {
  id: 'their-1',
  name: 'flexibleRollout',
  parameters: { rollout: '100', stickiness: 'default', groupId: 'f' },
  constraints: [{ contextName: 'userId', operator: 'IN', values: ['User:1', 'User:3'] }],
};
const ours: RemoteStrategy = {
  id: 'our-1',
  name: 'flipperActors',
  title: 'actors',
  parameters: { actors: 'User:2' },
  constraints: [],
};
const remote = (over: Partial<RemoteState>): RemoteState => ({
  enabled: true,
  strategies: [ours, theirs],
  pending: false,
  ...over,
});
const ctx = (id: number) => toUnleashContext(userSubject(id, [], undefined, []));
const stateOf = (r: RemoteState): FeatureState => {
  const { gates, foreign } = strategiesToGates(r.strategies, r.enabled);
  return {
    name: 'f',
    persisted: true,
    gates,
    unleash: { environmentEnabled: r.enabled, strategies: foreign },
  };
};
const evaluate = (state: FeatureState, id: number) => {
  const engine = new FlagEngine();
  engine.load([state]);
  return engine.isEnabled('f', ctx(id), () => false);
};

describe('reading a flag that holds a strategy made in Unleash', () => {
  it('keeps it as Unleash-native beside our gates; the state is conditional', () => {
    const state = stateOf(remote({}));
    expect(state.gates.actors).toEqual(['User:2']);
    expect(state.unleash?.strategies).toEqual([theirs]);
    expect(featureStateName(stateOf(remote({ strategies: [theirs] })))).toBe('conditional');
    const [gate] = presentNative(state.unleash);
    expect(gate.key).toBe('unleash_strategies');
    expect(gate.value[0]).toMatchObject({
      source: 'unleash',
      id: 'their-1',
      name: 'flexibleRollout',
      constraints: theirs.constraints,
      active: true,
      summary:
        'flexibleRollout rollout=100 stickiness=default groupId=f; userId IN [User:1, User:3]',
    });
  });

  it('evaluates it as Unleash does, and /evaluate names the gate that decided', () => {
    const state = stateOf(remote({}));
    expect([1, 2, 3, 4].map((id) => evaluate(state, id))).toEqual([true, true, true, false]);
    expect(explainAnswer(state, ctx(1), true)).toMatchObject({
      gate: 'unleash_strategy',
      strategy: { id: 'their-1', name: 'flexibleRollout' },
    });
    expect(explainAnswer(state, ctx(2), true).gate).toBe('actors');
    expect(explainAnswer(state, ctx(4), false).gate).toBe('none');
  });

  it('in a switched-off environment every strategy is inactive and the flag is off', () => {
    const state = stateOf(remote({ enabled: false }));
    expect(state.gates).toEqual(emptyGates());
    expect(state.unleash?.strategies).toHaveLength(2);
    expect(featureStateName(state)).toBe('off');
    expect(evaluate(state, 1)).toBe(false);
    expect(presentNative(state.unleash)[0].value.every((s) => !s.active)).toBe(true);
  });

  it('an enabled environment with no strategy is on for everyone in Unleash: boolean on', () => {
    expect(strategiesToGates([], true).gates.boolean).toBe(true);
    expect(strategiesToGates([{ ...theirs, disabled: true }], true).gates.boolean).toBe(true);
  });
});

describe('a write plan never removes a strategy it did not create', () => {
  const plan = (r: RemoteState, change: Parameters<typeof applyGateChange>[1], opts = {}) =>
    planWrite('f', 'development', r, applyGateChange(stateOf(r).gates, change), {
      offForEveryone: change.kind === 'boolean' && !change.enabled,
      ...opts,
    });

  it('adding a user replaces our strategy and keeps theirs', () => {
    const { plan: p, native } = plan(remote({}), {
      kind: 'actors',
      enabled: true,
      actors: ['User:9'],
    });
    expect(p.remove.map((s) => s.id)).toEqual(['our-1']);
    expect(p.add).toEqual([
      expect.objectContaining({ name: 'flipperActors', parameters: { actors: 'User:2,User:9' } }),
    ]);
    expect(p.enabled).toBe(true);
    expect(native.strategies).toEqual([theirs]);
  });

  it('removing our last actor leaves theirs applying (environment stays on)', () => {
    const { plan: p } = plan(remote({}), { kind: 'actors', enabled: false, actors: ['User:2'] });
    expect(p).toEqual({ add: [], remove: [ours], enabled: true });
  });

  it('off for everyone switches the environment off and keeps theirs (inactive)', () => {
    const { plan: p, native } = plan(remote({}), { kind: 'boolean', enabled: false });
    expect(p).toEqual({ add: [], remove: [ours], enabled: false });
    expect(native).toEqual({ environmentEnabled: false, strategies: [theirs] });
  });

  it('on for everyone clears our other gates (Flipper) and keeps theirs', () => {
    const { plan: p } = plan(remote({}), { kind: 'boolean', enabled: true });
    expect(p.add.map((s) => s.name)).toEqual(['default']);
    expect(p.remove).toEqual([ours]);
  });

  it('switching an environment off in Unleash back on with theirs in it is a 409 naming them', () => {
    const off = remote({ enabled: false, strategies: [theirs] });
    let error: unknown;
    try {
      plan(off, { kind: 'actors', enabled: true, actors: ['User:9'] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('conflict');
    expect((error as DomainError).message).toContain('userId IN [User:1, User:3]');
    expect((error as DomainError).message).toContain('discard_unleash_strategies=true');
  });

  it('discard_unleash_strategies removes theirs', () => {
    const off = remote({ enabled: false, strategies: [theirs] });
    const { plan: p, native } = plan(
      off,
      { kind: 'actors', enabled: true, actors: ['User:9'] },
      { discardUnleashStrategies: true },
    );
    expect(p.remove).toEqual([theirs]);
    expect(p.enabled).toBe(true);
    expect(native.strategies).toEqual([]);
  });
});

describe('Flipper: enabling the boolean gate clears the other gates', () => {
  it('actors and percentages are gone after value=true', () => {
    const before = {
      ...emptyGates(),
      actors: ['User:1'],
      percentageOfActors: 20,
      percentageOfTime: 5,
    };
    expect(applyGateChange(before, { kind: 'boolean', enabled: true })).toEqual({
      ...emptyGates(),
      boolean: true,
    });
  });
});

describe('a strategy using a segment (held only in Unleash)', () => {
  it('is never evaluated as matching here, and never turns the flag on for everyone', () => {
    const segmented: RemoteStrategy = { ...theirs, id: 'seg-1', segments: [7], constraints: [] };
    const state = stateOf(remote({ strategies: [segmented] }));
    expect(featureStateName(state)).toBe('conditional');
    expect([1, 2, 3].map((id) => evaluate(state, id))).toEqual([false, false, false]);
  });
});
