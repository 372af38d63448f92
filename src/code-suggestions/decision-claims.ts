import type { RoutingDecision } from '../routing/routing.types';

/** The flags that are on, comma-separated (the `x-gitlab-enabled-feature-flags` header). */
export const enabledFlagNames = (flags: Readonly<Record<string, boolean>>): string[] =>
  Object.keys(flags).filter((k) => flags[k]);

/**
 * The routing-decision claims of an upstream token: `feature_flags` lists only the flags that
 * are on; `deciding_flags` is every flag the decision consulted with its answer, so a gateway can
 * see why without asking again.
 */
export function decisionClaims(d: RoutingDecision): Record<string, unknown> {
  return {
    model_provider: d.model?.provider ?? null,
    model_name: d.model?.name ?? null,
    feature_flags: enabledFlagNames(d.decidingFlags),
    deciding_flags: { ...d.decidingFlags },
  };
}

/** A short key that identifies `decisionClaims(d)` (cache keys; no JSON per request). */
export function decisionClaimsKey(d: RoutingDecision): string {
  let key = `${d.model?.provider ?? ''}/${d.model?.name ?? ''}|`;
  for (const k in d.decidingFlags) key += d.decidingFlags[k] ? `${k}+,` : `${k}-,`;
  return key;
}
