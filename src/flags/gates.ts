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

/** The inverse, for reading a flag back from Unleash. Strategies we did not write are reported. */
export function strategiesToGates(
  strategies: UnleashStrategy[],
  enabled: boolean,
): { gates: FlagGates; foreign: number } {
  const gates = emptyGates();
  let foreign = 0;
  if (!enabled) return { gates, foreign };
  for (const s of strategies) {
    if (s.disabled) continue;
    const c = s.constraints ?? [];
    if (s.name === 'default' && c.length === 0) gates.boolean = true;
    else if (s.name === ACTORS_STRATEGY && c.length === 0) {
      gates.actors.push(...splitActors(s.parameters.actors));
    } else if (
      s.name === 'default' &&
      c.length === 1 &&
      c[0].contextName === CONTEXT_FIELDS.actors
    ) {
      gates.actors.push(...(c[0].values ?? []).map(unwrap));
    } else if (
      s.name === 'default' &&
      c.length === 1 &&
      c[0].contextName === CONTEXT_FIELDS.featureGroups
    ) {
      gates.featureGroups.push(...(c[0].values ?? []).map(unwrap));
    } else if (
      s.name === 'flexibleRollout' &&
      c.length === 0 &&
      s.parameters.stickiness === 'random'
    ) {
      gates.percentageOfTime = Number(s.parameters.rollout ?? 0);
    } else if (
      s.name === 'flexibleRollout' &&
      c.length === 0 &&
      s.parameters.stickiness === CONTEXT_FIELDS.stickiness
    ) {
      gates.percentageOfActors = Number(s.parameters.rollout ?? 0);
    } else foreign++;
  }
  return { gates, foreign };
}

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
