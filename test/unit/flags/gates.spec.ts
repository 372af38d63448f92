import { FlagEngine } from '../../../src/flags/flag-engine';
import {
  FlagSubject,
  groupSubject,
  instanceSubject,
  toUnleashContext,
  userSubject,
} from '../../../src/flags/flag-context';
import { applyGateChange } from '../../../src/flags/gate-changes';
import {
  emptyGates,
  FlagGates,
  gatesToStrategies,
  strategiesToGates,
} from '../../../src/flags/gates';

function evaluate(
  gates: FlagGates | undefined,
  subject: FlagSubject,
  defaultEnabled = false,
): boolean {
  const engine = new FlagEngine();
  engine.load(gates ? [{ name: 'f', persisted: true, gates }] : []);
  return engine.isEnabled('f', toUnleashContext(subject), () => defaultEnabled);
}

const g = (over: Partial<FlagGates>): FlagGates => ({ ...emptyGates(), ...over });
const alice = userSubject(1, [9], 5, []);
const bob = userSubject(2, [], undefined, ['gitlab_team_members']);

describe('gate semantics (evaluated through unleash-client)', () => {
  it.each<[string, FlagGates | undefined, FlagSubject, boolean, boolean]>([
    ['not persisted → default on', undefined, alice, true, true],
    ['not persisted → default off', undefined, alice, false, false],
    ['persisted, no gates → off even if default on', g({}), alice, true, false],
    ['boolean on', g({ boolean: true }), alice, false, true],
    ['actor User match', g({ actors: ['User:1'] }), alice, false, true],
    ['actor User other', g({ actors: ['User:2'] }), alice, false, false],
    [
      'actor User:1 does not match User:11',
      g({ actors: ['User:1'] }),
      userSubject(11, [], undefined, []),
      false,
      false,
    ],
    ['actor Group matches seat group', g({ actors: ['Group:9'] }), alice, false, true],
    ['actor Group other', g({ actors: ['Group:8'] }), alice, false, false],
    ['actor Project matches', g({ actors: ['Project:5'] }), alice, false, true],
    ['actor Group as subject', g({ actors: ['Group:9'] }), groupSubject(9), false, true],
    ['instance actor', g({ actors: ['Instance'] }), instanceSubject, false, true],
    ['instance actor does not enable users', g({ actors: ['Instance'] }), alice, false, false],
    ['feature group member', g({ featureGroups: ['gitlab_team_members'] }), bob, false, true],
    [
      'feature group non-member',
      g({ featureGroups: ['gitlab_team_members'] }),
      alice,
      false,
      false,
    ],
    ['percentage 100 of actors', g({ percentageOfActors: 100 }), alice, false, true],
    ['percentage 100 of time', g({ percentageOfTime: 100 }), alice, false, true],
  ])('%s', (_name, gates, subject, def, expected) => {
    expect(evaluate(gates, subject, def)).toBe(expected);
  });

  it('strategies round-trip to the same gates', () => {
    const gates = g({
      actors: ['User:1', 'Group:2'],
      featureGroups: ['gitlab_team_members'],
      percentageOfActors: 25,
      percentageOfTime: 5,
    });
    expect(strategiesToGates(gatesToStrategies('f', gates), true).gates).toEqual(gates);
  });
});

describe('percentage of actors', () => {
  const users = Array.from({ length: 1000 }, (_, i) => userSubject(i + 1, [], undefined, []));

  it('is sticky and monotonic: 10% → 20% → 50% never drops an actor', () => {
    let previous = new Set<number>();
    for (const pct of [10, 20, 50]) {
      const inNow = new Set(
        users
          .filter((u) => evaluate(g({ percentageOfActors: pct }), u))
          .map((u) => u.primary)
          .map((p) => Number(p.slice(5))),
      );
      for (const id of previous) expect(inNow.has(id)).toBe(true);
      previous = inNow;
    }
    // and asking again gives the same answer
    const again = users.filter((u) => evaluate(g({ percentageOfActors: 50 }), u)).length;
    expect(again).toBe(previous.size);
  });

  it('distributes 1,000 actors at 25% within 25% ± 4%', () => {
    const n = users.filter((u) => evaluate(g({ percentageOfActors: 25 }), u)).length;
    expect(n).toBeGreaterThanOrEqual(210);
    expect(n).toBeLessThanOrEqual(290);
  });

  it('is independent per flag (different flags pick different actors)', () => {
    const pick = (flag: string) => {
      const engine = new FlagEngine();
      engine.load([{ name: flag, persisted: true, gates: g({ percentageOfActors: 50 }) }]);
      return users
        .filter((u) => engine.isEnabled(flag, toUnleashContext(u), () => false))
        .map((u) => u.primary);
    };
    const a = new Set(pick('flag_a'));
    const b = pick('flag_b');
    const overlap = b.filter((x) => a.has(x)).length;
    expect(overlap).toBeGreaterThan(150);
    expect(overlap).toBeLessThan(350); // ~250 if independent; 500 if identical
  });

  it('percentage of time is random per evaluation', () => {
    const results = Array.from({ length: 400 }, () => evaluate(g({ percentageOfTime: 50 }), alice));
    const on = results.filter(Boolean).length;
    expect(on).toBeGreaterThan(120);
    expect(on).toBeLessThan(280);
  });
});

describe('gate changes (Flipper semantics)', () => {
  it('disabling the boolean gate clears every gate', () => {
    expect(
      applyGateChange(g({ actors: ['User:1'], percentageOfActors: 5 }), {
        kind: 'boolean',
        enabled: false,
      }),
    ).toEqual(emptyGates());
  });
  it('adds and removes actors without duplicates', () => {
    let gates = applyGateChange(emptyGates(), {
      kind: 'actors',
      enabled: true,
      actors: ['User:1', 'User:2'],
    });
    gates = applyGateChange(gates, { kind: 'actors', enabled: true, actors: ['User:2'] });
    expect(gates.actors).toEqual(['User:1', 'User:2']);
    gates = applyGateChange(gates, { kind: 'actors', enabled: false, actors: ['User:1'] });
    expect(gates.actors).toEqual(['User:2']);
  });
  it('sets percentages independently', () => {
    const gates = applyGateChange(
      applyGateChange(emptyGates(), { kind: 'percentage_of_actors', value: 20 }),
      { kind: 'percentage_of_time', value: 3 },
    );
    expect(gates).toMatchObject({ percentageOfActors: 20, percentageOfTime: 3 });
  });
});
