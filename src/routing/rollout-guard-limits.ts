import type { CatalogueFile } from './model-catalogue.schema';

type BetaRuleFile = Extract<CatalogueFile['completion']['rules'][number], { rule: 'beta' }>;

/** Numbers a beta rollout must respect; read here, enforced by whoever watches the rollout. */
export interface RolloutGuard {
  readonly enabled: boolean;
  readonly maxErrorRateDelta: number;
  readonly maxP95LatencyRatio: number;
  readonly minRequests: number;
  /** Absent: acceptance is not watched. */
  readonly acceptance?: AcceptanceGuard;
}

/** `rollout_guard.acceptance` (src/resilience/acceptance-sequential-test.ts). */
export interface AcceptanceGuard {
  readonly minShown: number;
  readonly maxDrop: number;
  readonly alpha: number;
}

export function rolloutGuardOf(g: BetaRuleFile['rollout_guard']): RolloutGuard {
  return Object.freeze({
    enabled: g.enabled,
    maxErrorRateDelta: g.max_error_rate_delta,
    maxP95LatencyRatio: g.max_p95_latency_ratio,
    minRequests: g.min_requests,
    ...(g.acceptance && {
      acceptance: Object.freeze({
        minShown: g.acceptance.min_shown,
        maxDrop: g.acceptance.max_drop,
        alpha: g.acceptance.alpha,
      }),
    }),
  });
}
