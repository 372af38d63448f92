import type { FlagGates } from './gates';

/** What one list gate (actors, feature groups) lost and gained in a change. */
export interface ListDiff {
  removed: string[];
  added: string[];
}

/** A change of a flag's gates as the values it added and removed (issue #27). */
export interface GatesDiff {
  actors: ListDiff;
  featureGroups: ListDiff;
}

export function diffGates(before: FlagGates, after: FlagGates): GatesDiff {
  return {
    actors: diffList(before.actors, after.actors),
    featureGroups: diffList(before.featureGroups, after.featureGroups),
  };
}

/**
 * The values `after` has and `before` has not, and the reverse, for lists without duplicates.
 * A change keeps the order of what it leaves (`applyGateChange` filters and appends), so one
 * walk of both lists, comparing in place, finds the difference without building a Set of
 * either: adding or removing one actor of 10,000 allocates nothing per actor. A list reordered
 * or rebuilt by hand (the walk's answer contradicts itself) is diffed by value instead.
 */
export function diffList(before: readonly string[], after: readonly string[]): ListDiff {
  if (before === after) return { removed: [], added: [] };
  const removed: string[] = [];
  let j = 0;
  for (const value of before) {
    if (j < after.length && after[j] === value) j++;
    else removed.push(value);
  }
  const added = after.slice(j);
  if (removed.length === 0 || added.length === 0) return { removed, added };
  const smaller = new Set(removed.length < added.length ? removed : added);
  const other = removed.length < added.length ? added : removed;
  if (!other.some((v) => smaller.has(v))) return { removed, added };
  return diffByValue(before, after);
}

function diffByValue(before: readonly string[], after: readonly string[]): ListDiff {
  const had = new Set(before);
  const has = new Set(after);
  return {
    removed: before.filter((v) => !has.has(v)),
    added: after.filter((v) => !had.has(v)),
  };
}
