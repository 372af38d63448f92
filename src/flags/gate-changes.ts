import { emptyGates, FlagGates } from './gates';

/** One Features API call, resolved to actors and numbers. Pure: new gates from old. */
export type GateChange =
  | { kind: 'boolean'; enabled: boolean }
  | { kind: 'actors'; enabled: boolean; actors: string[] }
  | { kind: 'feature_groups'; enabled: boolean; groups: string[] }
  | { kind: 'percentage_of_actors'; value: number }
  | { kind: 'percentage_of_time'; value: number };

export function applyGateChange(before: FlagGates, change: GateChange): FlagGates {
  switch (change.kind) {
    case 'boolean':
      // Flipper: enabling the boolean gate clears the others and sets it; disabling clears all
      // (every Flipper adapter's enable/disable of the boolean gate starts with clear(feature)).
      return change.enabled ? { ...emptyGates(), boolean: true } : emptyGates();
    case 'actors':
      return { ...before, actors: toggled(before.actors, change.actors, change.enabled) };
    case 'feature_groups':
      return {
        ...before,
        featureGroups: toggled(before.featureGroups, change.groups, change.enabled),
      };
    case 'percentage_of_actors':
      return { ...before, percentageOfActors: change.value };
    case 'percentage_of_time':
      return { ...before, percentageOfTime: change.value };
  }
}

/**
 * `list` with `values` appended (those it lacks) or taken out, in a new array; the values left
 * keep their order (gate-diff.ts relies on it). The cost follows the change, not the list: no
 * Set of the list is built, a few values are looked up by one scan (issue #27).
 */
function toggled(list: readonly string[], values: readonly string[], enabled: boolean): string[] {
  const asked = new Set(values);
  if (!enabled) {
    if (!list.some((v) => asked.has(v))) return [...list];
    return list.filter((v) => !asked.has(v));
  }
  // many values at once (a pasted list): one Set of the list is cheaper than a scan per value
  const known = asked.size > 8 ? new Set(list) : undefined;
  const has = (v: string) => (known ? known.has(v) : list.includes(v));
  return [...list, ...[...asked].filter((v) => !has(v))];
}
