import type { FlagDefinition } from '../flag-definitions';
import { FeatureState, presentGates, stateName } from '../gates';

export function presentFeature(state: FeatureState, def: FlagDefinition | undefined) {
  const effective = state.persisted ? stateName(state.gates) : def?.defaultEnabled ? 'on' : 'off';
  return {
    name: state.name,
    state: effective,
    gates: state.persisted
      ? presentGates(state.gates)
      : [{ key: 'boolean', value: def?.defaultEnabled ?? false }],
    definition: def
      ? {
          name: def.name,
          type: def.type,
          default_enabled: def.defaultEnabled,
          description: def.description,
          introduced_by_url: def.introducedByUrl,
          rollout_issue_url: def.rolloutIssueUrl,
          feature_issue_url: def.featureIssueUrl,
          milestone: def.milestone,
          group: def.group,
          log_state_changes: def.logStateChanges,
        }
      : null,
  };
}
