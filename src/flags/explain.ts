import type { Context } from 'unleash-client/lib/context';
import { evaluateState } from './flag-engine';
import { emptyGates, FeatureState, FlagGates } from './gates';
import { activeNative } from './unleash-native';

export interface FlagAnswer {
  name: string;
  enabled: boolean;
  /**
   * Which gate decided: default_enabled, boolean, actors, groups, percentage_of_actors,
   * percentage_of_time, unleash_strategy (one made in Unleash, named in `strategy`), none.
   */
  gate: string;
  strategy?: { id: string | null; name: string; title: string | null };
}

const only = (over: Partial<FlagGates>): FlagGates => ({ ...emptyGates(), ...over });

/**
 * The gate that decided `enabled` for `ctx`: each gate (then each Unleash-native strategy)
 * evaluated alone, in the order Unleash evaluates ours; percentage of time (random) last.
 */
export function explainAnswer(state: FeatureState, ctx: Context, enabled: boolean): FlagAnswer {
  const { name } = state;
  if (!state.persisted) return { name, enabled, gate: 'default_enabled' };
  if (!enabled) return { name, enabled, gate: 'none' };
  const g = state.gates;
  const single: Array<[string, FlagGates]> = [
    ['boolean', only({ boolean: g.boolean })],
    ['actors', only({ actors: g.actors })],
    ['groups', only({ featureGroups: g.featureGroups })],
    ['percentage_of_actors', only({ percentageOfActors: g.percentageOfActors })],
  ];
  for (const [gate, gates] of single) {
    if (evaluateState({ name, persisted: true, gates }, ctx, false)) return { name, enabled, gate };
  }
  for (const s of activeNative(state.unleash)) {
    const alone: FeatureState = {
      name,
      persisted: true,
      gates: emptyGates(),
      unleash: { environmentEnabled: true, strategies: [s] },
    };
    if (evaluateState(alone, ctx, false)) {
      const strategy = { id: s.id ?? null, name: s.name, title: s.title ?? null };
      return { name, enabled, gate: 'unleash_strategy', strategy };
    }
  }
  return { name, enabled, gate: g.percentageOfTime > 0 ? 'percentage_of_time' : 'unleash' };
}
