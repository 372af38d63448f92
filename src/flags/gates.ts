/**
 * Flipper-style gates (GitLab's model) and their mapping onto Unleash strategies, the one
 * representation both stores evaluate through unleash-client:
 *   boolean on            → `default`, no constraints
 *   actors [A, B]         → `flipperActors` with parameter actors "A,B" (actors-strategy.ts: a Set
 *                           lookup, no 250-value cap); `default` + constraint `actors`
 *                           STR_CONTAINS [",A,", ",B,"] (written before) is still read
 *   feature groups [g]    → `default` + constraint `featureGroups` STR_CONTAINS [",g,"]
 *   percentage_of_actors  → `flexibleRollout` rollout N, stickiness `flipperId`, groupId = flag
 *   percentage_of_time    → `flexibleRollout` rollout N, stickiness `random`
 * A flag that was never set (not persisted) uses its definition's default_enabled.
 */
export interface FlagGates {
  boolean: boolean;
  actors: string[];
  featureGroups: string[];
  percentageOfActors: number;
  percentageOfTime: number;
}

export interface FeatureState {
  name: string;
  persisted: boolean;
  gates: FlagGates;
  /** Unleash mode: the strategies on the flag that no gate above expresses (unleash-native.ts). */
  unleash?: UnleashNative;
}

/**
 * Strategies on an Unleash flag that no Flipper gate expresses: made by an admin in Unleash
 * (e.g. `flexibleRollout` 100 % with a `userId IN [...]` constraint), disabled there, or any
 * strategy while the environment is switched off there. They are the admin's data: shown as
 * they are, evaluated as they are, and never removed by a Features API write unless the admin
 * says so (`discard_unleash_strategies`, see docs/unleash.md).
 */
export interface UnleashNative {
  /** The flag's environment is on in Unleash (strategies apply only then). */
  environmentEnabled: boolean;
  strategies: NativeStrategy[];
}

export interface NativeStrategy extends UnleashStrategy {
  /** Unleash's strategy id (present when read through the Admin API). */
  id?: string;
  segments?: number[];
  variants?: unknown[];
}

export const emptyGates = (): FlagGates => ({
  boolean: false,
  actors: [],
  featureGroups: [],
  percentageOfActors: 0,
  percentageOfTime: 0,
});

export type FeatureStateName = 'on' | 'off' | 'conditional';

export function stateName(gates: FlagGates): FeatureStateName {
  if (gates.boolean) return 'on';
  const conditional =
    gates.actors.length > 0 ||
    gates.featureGroups.length > 0 ||
    gates.percentageOfActors > 0 ||
    gates.percentageOfTime > 0;
  return conditional ? 'conditional' : 'off';
}

export interface UnleashConstraint {
  contextName: string;
  operator: string;
  values?: string[];
  value?: string;
  inverted?: boolean;
  caseInsensitive?: boolean;
}

export interface UnleashStrategy {
  name: string;
  title?: string;
  parameters: Record<string, string>;
  constraints: UnleashConstraint[];
  disabled?: boolean;
}

/** Custom strategy type for actor gates (see actors-strategy.ts). */
export const ACTORS_STRATEGY = 'flipperActors';

export const CONTEXT_FIELDS = {
  actors: 'actors',
  featureGroups: 'featureGroups',
  stickiness: 'flipperId',
} as const;

const wrap = (v: string) => `,${v},`;
const splitActors = (list: string | undefined) =>
  (list ?? '').split(',').filter((a) => a.length > 0);
const unwrap = (v: string) => v.replace(/^,|,$/g, '');

export function gatesToStrategies(name: string, gates: FlagGates): UnleashStrategy[] {
  if (gates.boolean)
    return [{ name: 'default', title: 'boolean', parameters: {}, constraints: [] }];
  const out: UnleashStrategy[] = [];
  if (gates.actors.length > 0) {
    out.push({
      name: ACTORS_STRATEGY,
      title: 'actors',
      parameters: { actors: gates.actors.join(',') },
      constraints: [],
    });
  }
  if (gates.featureGroups.length > 0) {
    out.push({
      name: 'default',
      title: 'feature_groups',
      parameters: {},
      constraints: [
        {
          contextName: CONTEXT_FIELDS.featureGroups,
          operator: 'STR_CONTAINS',
          values: gates.featureGroups.map(wrap),
        },
      ],
    });
  }
  if (gates.percentageOfActors > 0) {
    out.push({
      name: 'flexibleRollout',
      title: 'percentage_of_actors',
      parameters: {
        rollout: String(gates.percentageOfActors),
        stickiness: CONTEXT_FIELDS.stickiness,
        groupId: name,
      },
      constraints: [],
    });
  }
  if (gates.percentageOfTime > 0) {
    out.push({
      name: 'flexibleRollout',
      title: 'percentage_of_time',
      parameters: { rollout: String(gates.percentageOfTime), stickiness: 'random', groupId: name },
      constraints: [],
    });
  }
  return out;
}

/**
 * The inverse, for reading a flag back from Unleash: the gates our strategies express, and the
 * strategies they cannot (`foreign`, kept and shown as Unleash-native). In a switched-off
 * environment every strategy is foreign (switching it on would revive them all). An enabled
 * environment with no active strategy is on for everyone in Unleash, so it reads as boolean on.
 */
export function strategiesToGates(
  strategies: NativeStrategy[],
  enabled: boolean,
): { gates: FlagGates; foreign: NativeStrategy[] } {
  const gates = emptyGates();
  if (!enabled) return { gates, foreign: [...strategies] };
  const foreign: NativeStrategy[] = [];
  for (const s of strategies) {
    if (s.disabled || !readGate(s, gates)) foreign.push(s);
  }
  if (strategies.every((s) => s.disabled)) gates.boolean = true;
  return { gates, foreign };
}

/** Adds what `s` expresses to `gates`; false when no gate expresses it. */
function readGate(s: UnleashStrategy, gates: FlagGates): boolean {
  const c = s.constraints ?? [];
  const p = s.parameters ?? {};
  if (s.name === 'default' && c.length === 0) gates.boolean = true;
  else if (s.name === ACTORS_STRATEGY && c.length === 0)
    gates.actors.push(...splitActors(p.actors));
  else if (s.name === 'default' && c.length === 1 && isWrapped(c[0], CONTEXT_FIELDS.actors)) {
    gates.actors.push(...(c[0].values ?? []).map(unwrap));
  } else if (
    s.name === 'default' &&
    c.length === 1 &&
    isWrapped(c[0], CONTEXT_FIELDS.featureGroups)
  ) {
    gates.featureGroups.push(...(c[0].values ?? []).map(unwrap));
  } else if (
    s.name === 'flexibleRollout' &&
    c.length === 0 &&
    p.stickiness === 'random' &&
    gates.percentageOfTime === 0
  ) {
    gates.percentageOfTime = Number(p.rollout ?? 0);
  } else if (
    s.name === 'flexibleRollout' &&
    c.length === 0 &&
    p.stickiness === CONTEXT_FIELDS.stickiness &&
    gates.percentageOfActors === 0
  ) {
    gates.percentageOfActors = Number(p.rollout ?? 0);
  } else return false;
  return true;
}

/** The constraint our actor / feature-group gates write: STR_CONTAINS of comma-wrapped values. */
const isWrapped = (c: UnleashConstraint, field: string): boolean =>
  c.contextName === field &&
  c.operator === 'STR_CONTAINS' &&
  !c.inverted &&
  (c.values ?? []).every((v) => /^,[^,]+,$/.test(v));

/** Gate list as GitLab's Features API shows it. */
export function presentGates(gates: FlagGates): Array<{ key: string; value: unknown }> {
  const out: Array<{ key: string; value: unknown }> = [{ key: 'boolean', value: gates.boolean }];
  if (gates.actors.length > 0) out.push({ key: 'actors', value: gates.actors });
  if (gates.featureGroups.length > 0) out.push({ key: 'groups', value: gates.featureGroups });
  if (gates.percentageOfActors > 0)
    out.push({ key: 'percentage_of_actors', value: gates.percentageOfActors });
  if (gates.percentageOfTime > 0)
    out.push({ key: 'percentage_of_time', value: gates.percentageOfTime });
  return out;
}
