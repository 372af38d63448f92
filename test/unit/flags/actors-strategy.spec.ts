import { toUnleashContext, userSubject } from '../../../src/flags/flag-context';
import { FlagEngine } from '../../../src/flags/flag-engine';
import {
  ACTORS_STRATEGY,
  emptyGates,
  gatesToStrategies,
  strategiesToGates,
} from '../../../src/flags/gates';

describe('actor gate strategy (flipperActors)', () => {
  const engineWith = (actors: string[]) => {
    const engine = new FlagEngine();
    engine.load([{ name: 'f', persisted: true, gates: { ...emptyGates(), actors } }]);
    return (userId: number, groups: number[] = [], project?: number) =>
      engine.isEnabled(
        'f',
        toUnleashContext(userSubject(userId, groups, project, [])),
        () => false,
      );
  };

  it('matches any actor of the request exactly (User:1 is not User:10)', () => {
    const on = engineWith(['User:1', 'Group:9', 'Project:5']);
    expect(on(1)).toBe(true);
    expect(on(10)).toBe(false);
    expect(on(2, [9])).toBe(true);
    expect(on(2, [90])).toBe(false);
    expect(on(2, [], 5)).toBe(true);
  });

  it('holds thousands of actors in one strategy (Unleash caps a constraint at 250 values)', () => {
    const actors = Array.from({ length: 3000 }, (_, i) => `User:${i + 1}`);
    const [s, ...rest] = gatesToStrategies('f', { ...emptyGates(), actors });
    expect(rest).toEqual([]);
    expect(s).toMatchObject({ name: ACTORS_STRATEGY, constraints: [] });
    expect(strategiesToGates([s], true).gates.actors).toEqual(actors);
    const on = engineWith(actors);
    expect(on(2999)).toBe(true);
    expect(on(3001)).toBe(false);
  });

  it('still reads actor gates written before as default + STR_CONTAINS', () => {
    const legacy = {
      name: 'default',
      parameters: {},
      constraints: [{ contextName: 'actors', operator: 'STR_CONTAINS', values: [',User:1,'] }],
    };
    expect(strategiesToGates([legacy], true)).toEqual({
      gates: { ...emptyGates(), actors: ['User:1'] },
      foreign: [],
    });
  });
});
