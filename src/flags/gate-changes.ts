import { emptyGates, FlagGates } from './gates';

/** One Features API call, resolved to actors and numbers. Pure: new gates from old. */
export type GateChange =
  | { kind: 'boolean'; enabled: boolean }
  | { kind: 'actors'; enabled: boolean; actors: string[] }
  | { kind: 'feature_groups'; enabled: boolean; groups: string[] }
  | { kind: 'percentage_of_actors'; value: number }
  | { kind: 'percentage_of_time'; value: number };

export function applyGateChange(before: FlagGates, change: GateChange): FlagGates {
  const g: FlagGates = {
    ...before,
    actors: [...before.actors],
    featureGroups: [...before.featureGroups],
  };
  switch (change.kind) {
    case 'boolean':
      // Flipper: enabling the boolean gate clears the others and sets it; disabling clears all
      // (every Flipper adapter's enable/disable of the boolean gate starts with clear(feature)).
      return change.enabled ? { ...emptyGates(), boolean: true } : emptyGates();
    case 'actors':
      g.actors = change.enabled
        ? [...new Set([...g.actors, ...change.actors])]
        : g.actors.filter((a) => !change.actors.includes(a));
      return g;
    case 'feature_groups':
      g.featureGroups = change.enabled
        ? [...new Set([...g.featureGroups, ...change.groups])]
        : g.featureGroups.filter((a) => !change.groups.includes(a));
      return g;
    case 'percentage_of_actors':
      return { ...g, percentageOfActors: change.value };
    case 'percentage_of_time':
      return { ...g, percentageOfTime: change.value };
  }
}
