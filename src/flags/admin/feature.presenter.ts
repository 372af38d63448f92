import type { FlagDefinition } from '../flag-definitions';
import { FeatureState, presentGates } from '../gates';
import { featureStateName, presentNative } from '../unleash-native';

export function presentFeature(state: FeatureState, def: FlagDefinition | undefined) {
  const effective = state.persisted ? featureStateName(state) : def?.defaultEnabled ? 'on' : 'off';
  return {
    name: state.name,
    state: effective,
    gates: state.persisted
      ? [...presentGates(state.gates), ...presentNative(state.unleash)]
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
