import type { ModelCatalogue } from './model-catalogue';
import type { GatewayApi, ModelSpec, RoutingContext, RuleTrace } from './routing.types';

/** A selected model cannot be sent the way this request goes (v2 needs a catalogue model). */
export class SelectionRefusedError extends Error {}

export interface SelectionPick {
  api: GatewayApi;
  model?: ModelSpec;
  /** v4: sent as `model_metadata.identifier`. */
  identifier?: string;
  source: string;
}

export const SELECTION_RULE = 'completion.model_selection';

/**
 * The model a group or the instance chose, taken before beta rules and the default (and after
 * the failover rule and the v4 switch). On v4 its identifier goes as
 * `model_metadata.identifier`; on v2 it needs a catalogue model with that `gitlab_identifier`
 * (its v2 provider and name), else the request is refused with the reason. A stale choice (no
 * longer offered) is skipped, visibly. True when the selection decided the model.
 */
export function applySelection(
  ctx: RoutingContext,
  cat: ModelCatalogue,
  pick: SelectionPick,
  trace: RuleTrace[],
): boolean {
  const s = ctx.selection;
  if (!s) {
    trace.push({
      rule: SELECTION_RULE,
      consulted: [],
      matched: false,
      why: 'GitLab default: no model selected',
    });
    return false;
  }
  if (s.stale) {
    trace.push({
      rule: SELECTION_RULE,
      consulted: [],
      matched: false,
      why: `${s.identifier} selected by ${s.by} is no longer offered by the AI gateway: GitLab default instead`,
    });
    return false;
  }
  const model = [...cat.models.values()].find((m) => m.gitlabIdentifier === s.identifier);
  if (pick.api === 'v4') {
    Object.assign(pick, { model, identifier: s.identifier, source: 'selected' });
    trace.push({
      rule: SELECTION_RULE,
      consulted: [],
      matched: true,
      why: `selected by ${s.by}: ${s.identifier} (model_metadata.identifier)`,
    });
    return true;
  }
  if (!model) {
    const v2 = [...cat.models.values()].flatMap((m) => m.gitlabIdentifier ?? []);
    throw new SelectionRefusedError(
      `The model ${s.identifier} selected by ${s.by} has no v2 form (the v4 endpoint is off for this user): ` +
        `choose one of ${v2.join(', ')}, or turn code_completion_v4_endpoint on`,
    );
  }
  Object.assign(pick, { model, source: 'selected' });
  trace.push({
    rule: SELECTION_RULE,
    consulted: [],
    matched: true,
    why: `selected by ${s.by}: ${s.identifier} as ${model.provider}/${model.name} on v2`,
  });
  return true;
}
