import type { CompletionRule, ModelCatalogue } from '../routing/model-catalogue';
import type { GatewayModelsView } from '../code-suggestions/gateway-models.service';
import type { ModelSpec } from '../routing/routing.types';

const presentModel = (m: ModelSpec, gw: GatewayModelsView | undefined) => {
  const status = gw?.models.find((s) => s.key === m.key);
  return {
    key: m.key,
    provider: m.provider,
    name: m.name,
    gitlab_identifier: m.gitlabIdentifier ?? null,
    prompt_version: m.promptVersion,
    /** false: the gateway no longer offers it, so no rule sends it (`retired_reason` says why). */
    offered: status ? status.offered : null,
    retired_reason: status?.reason ?? null,
  };
};

function presentRule(r: CompletionRule, order: number) {
  switch (r.kind) {
    case 'failover':
      return { order, kind: r.kind, flag: r.flag, model: r.model.key, mode: r.mode };
    case 'gateway_api':
      return { order, kind: r.kind, flag: r.flag, api: r.api };
    case 'beta':
      return {
        order,
        kind: r.kind,
        flag: r.flag,
        opt_out_flag: r.optOutFlag,
        model: r.model.key,
        rollout_guard: {
          enabled: r.rolloutGuard.enabled,
          max_error_rate_delta: r.rolloutGuard.maxErrorRateDelta,
          max_p95_latency_ratio: r.rolloutGuard.maxP95LatencyRatio,
          min_requests: r.rolloutGuard.minRequests,
          acceptance: r.rolloutGuard.acceptance
            ? {
                min_shown: r.rolloutGuard.acceptance.minShown,
                max_drop: r.rolloutGuard.acceptance.maxDrop,
                alpha: r.rolloutGuard.acceptance.alpha,
              }
            : null,
        },
      };
    case 'default':
      return { order, kind: r.kind, model: r.model.key };
  }
}

/**
 * The catalogue as the console shows it: models, completion rules in evaluation order, which
 * flags are staged rollouts (beta models and the v4 switch) and which are failover switches.
 */
export function presentCatalogue(cat: ModelCatalogue, gw?: GatewayModelsView) {
  const rules = cat.completionRules;
  const defaultRule = rules.find((r) => r.kind === 'default');
  return {
    models: [...cat.models.values()].map((m) => presentModel(m, gw)),
    gateway_models: gw
      ? {
          source: gw.source,
          last_read: gw.lastRead,
          last_read_at: gw.lastReadAt,
          last_success_at: gw.lastSuccessAt,
          last_error: gw.lastError,
        }
      : null,
    completion_rules: rules.map((r, i) => presentRule(r, i + 1)),
    generation: {
      prompt_id: cat.generation.promptId,
      prompt_version: cat.generation.promptVersion,
      sse_api: cat.generation.sseApi,
      default_api: cat.generation.defaultApi,
      failover_flag: cat.generation.failover?.flag ?? null,
    },
    rollouts: rules.flatMap((r): RolloutView[] => {
      if (r.kind === 'beta') {
        const baseline = defaultRule && 'model' in defaultRule ? defaultRule.model : undefined;
        return [
          { flag: r.flag, kind: r.kind, model: upstream(r.model), baseline: upstreamOf(baseline) },
        ];
      }
      if (r.kind === 'gateway_api')
        return [{ flag: r.flag, kind: r.kind, model: null, baseline: null }];
      return [];
    }),
    failover_flags: [
      ...rules.flatMap((r) =>
        r.kind === 'failover'
          ? [{ flag: r.flag, task: 'completion', backup: upstream(r.model) }]
          : [],
      ),
      ...(cat.generation.failover
        ? [{ flag: cat.generation.failover.flag, task: 'generation', backup: null }]
        : []),
    ],
  };
}

interface RolloutView {
  flag: string;
  kind: 'beta' | 'gateway_api';
  model: string | null;
  baseline: string | null;
}

const upstream = (m: ModelSpec) => `${m.provider}/${m.name}`;
const upstreamOf = (m: ModelSpec | undefined) => (m ? upstream(m) : null);
