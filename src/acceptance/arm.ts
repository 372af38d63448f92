import type { ModelCatalogue } from '../routing/model-catalogue';
import type { RoutingDecision } from '../routing/routing.types';
import type { Arm } from './acceptance.types';

/** The beta rules of a catalogue: rule id → its flag. */
export function betaFlagsOf(catalogue: ModelCatalogue): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const r of catalogue.completionRules) if (r.kind === 'beta') map.set(r.id, r.flag);
  return map;
}

/**
 * The rollout arm of a decision, from its model source and its trace. With several beta rules,
 * `control:` names the first one evaluated (catalogue order). `betaFlag`: the flag whose gate
 * put the user on the beta (a `beta:` arm), for the caller to ask which gate matched.
 */
export function armOf(
  d: RoutingDecision,
  betaFlags: ReadonlyMap<string, string>,
): { arm: Arm; betaFlag?: string } {
  switch (d.modelSource) {
    case 'beta': {
      const rule = d.trace.find((t) => t.matched && betaFlags.has(t.rule));
      const flag = rule ? betaFlags.get(rule.rule) : undefined;
      return flag ? { arm: `beta:${flag}`, betaFlag: flag } : { arm: 'beta' };
    }
    case 'selected':
    case 'failover_manual':
    case 'failover_automatic':
      return { arm: d.modelSource };
    case 'default':
    case 'gateway': {
      const rule = d.trace.find((t) => betaFlags.has(t.rule));
      const flag = rule ? betaFlags.get(rule.rule) : undefined;
      return { arm: flag ? `control:${flag}` : 'default' };
    }
  }
}

/**
 * The gate a flag answer names, as the arm contract spells it. `none` for a flag the decision saw
 * on: only the random gate (percentage of time) answers differently when asked again.
 */
export function gateOf(explained: string): string {
  return explained === 'none' ? 'percentage_of_time' : explained;
}

/** The model a decision served: its catalogue key, else a selection's gateway identifier. */
export function servedModelOf(d: RoutingDecision): string | undefined {
  return d.model?.key ?? d.modelMetadata?.identifier;
}
