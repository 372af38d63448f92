import type { RoutingDecision } from './routing.types';

/**
 * Provider and model of a decision as logs, metrics and token claims name them: on v2 the
 * model_provider / model_name sent; on v4 `gitlab` and the gateway identifier of the model the
 * catalogue expects (sent as model_metadata.identifier when a rule chose it); `gateway` when the
 * gateway's prompt registry picks (generations).
 */
export function decisionModelLabels(d: RoutingDecision): { provider: string; model: string } {
  if (!d.model) return { provider: 'gateway', model: 'gateway' };
  if (d.api === 'v4' && d.modelMetadata) {
    return {
      provider: d.modelMetadata.provider,
      model: d.modelMetadata.identifier ?? d.model.gitlabIdentifier ?? d.model.name,
    };
  }
  return { provider: d.model.provider, model: d.model.name };
}
