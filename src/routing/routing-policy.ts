import { FlagRecorder } from './flag-recorder';
import type { CompletionRule, FailoverRule, ModelCatalogue } from './model-catalogue';
import {
  ENDPOINT_PATHS,
  type BreakerView,
  type FlagOracle,
  type GatewayApi,
  type ModelAvailability,
  type ModelSource,
  type ModelSpec,
  type RoutingContext,
  type RoutingDecision,
  type RoutingRequest,
  type RuleTrace,
} from './routing.types';
import { decideDirect } from './direct-access-policy';
import { decideGeneration } from './generation-policy';
import { applySelection } from './selection-rule';
import { classifyTask, type TaskReason } from './task-classifier';

/**
 * Decides task, model, API and direct access for one request. Pure and synchronous: every input
 * is in the arguments, flags are answered from memory. Completion rules run in catalogue order
 * (shipped: failover, v4 switch, beta rules, default); then, for failover in `automatic` mode,
 * an open breaker for the picked model sends the request to the backup instead.
 */
export function decideRoute(
  req: RoutingRequest,
  ctx: RoutingContext,
  flags: FlagOracle,
  catalogue: ModelCatalogue,
  breakers?: BreakerView,
  availability?: ModelAvailability,
): RoutingDecision {
  const rec = new FlagRecorder(flags);
  const cls = classifyTask(req);
  const trace: RuleTrace[] = [
    { rule: 'task', consulted: [], matched: true, why: `${cls.task}: ${TASK_REASONS[cls.reason]}` },
  ];
  return cls.task === 'generation'
    ? decideGeneration(cls, req, ctx, rec, catalogue, trace)
    : decideCompletion(ctx, rec, catalogue, { breakers, availability, req }, trace);
}

const DIRECT_ACCESS_PROBE: RoutingRequest = Object.freeze({
  intent: 'completion',
  contentAboveCursor: '',
  fileName: '',
  supportsSseStreaming: false,
});

/**
 * For `POST /code_suggestions/direct_access`: the completion decision for this user without a
 * request body. `directAccess` says whether to answer 403; `model` (absent under v4) feeds
 * `model_details`.
 */
export function decideDirectAccess(
  ctx: RoutingContext,
  flags: FlagOracle,
  catalogue: ModelCatalogue,
  breakers?: BreakerView,
  availability?: ModelAvailability,
): RoutingDecision {
  return decideRoute(DIRECT_ACCESS_PROBE, ctx, flags, catalogue, breakers, availability);
}

const TASK_REASONS: Record<TaskReason, string> = {
  intent_completion: 'intent=completion',
  user_instruction: 'user_instruction given',
  generation_type: 'generation_type given',
  intent_generation: 'intent=generation',
  trailing_comment: 'content above the cursor ends with a comment of 10+ characters',
  no_trigger: 'no generation trigger',
};

interface LiveView {
  readonly req: RoutingRequest;
  readonly breakers?: BreakerView;
  readonly availability?: ModelAvailability;
}

interface Pick {
  api: GatewayApi;
  /** The v4 switch came before the failover rule (GitLab's order): failover is the gateway's. */
  leftToGateway?: boolean;
  featureSetting?: string;
  model?: ModelSpec;
  /** A selection on v4: its `model_metadata.identifier` (the model may be absent from ours). */
  identifier?: string;
  source: ModelSource;
}

function decideCompletion(
  ctx: RoutingContext,
  rec: FlagRecorder,
  cat: ModelCatalogue,
  live: LiveView,
  trace: RuleTrace[],
): RoutingDecision {
  const pick: Pick = { api: 'v2', source: 'default' };
  const retired = (m: ModelSpec) => live.availability?.retiredReason(m);
  let selectionAsked = false;
  for (const rule of cat.completionRules) {
    // An explicit selection beats the beta rules and the default; the failover rule and the v4
    // switch come before it.
    if ((rule.kind === 'beta' || rule.kind === 'default') && !selectionAsked) {
      selectionAsked = true;
      if (applySelection(ctx, cat, pick, trace)) break;
    }
    switch (rule.kind) {
      case 'failover':
        if (failoverRule(rule, pick, rec, trace, retired))
          return completion(backup(rule.model, 'failover_manual'), ctx, rec, cat, trace);
        break;
      case 'gateway_api': {
        const on = rec.user(rule.flag);
        trace.push({
          rule: rule.id,
          consulted: [rule.flag],
          matched: on,
          why: on
            ? `${rule.flag} on: ${ENDPOINT_PATHS[rule.api]} with model_metadata (feature_setting ${rule.featureSetting})`
            : `${rule.flag} off: v2 with the model names of the catalogue`,
        });
        // A stream to a client without SSE support stays on v2 (raw text chunks it can read).
        const rawOnly = on && live.req.stream === true && !live.req.supportsSseStreaming;
        if (rawOnly)
          trace.push({
            rule: rule.id,
            consulted: [],
            matched: false,
            why: 'streamed request without X-Supports-Sse-Streaming: v2 raw text chunks',
          });
        else if (on) Object.assign(pick, { api: rule.api, featureSetting: rule.featureSetting });
        break;
      }
      case 'beta':
        if (betaApplies(rule, ctx, rec, trace, retired(rule.model)))
          Object.assign(pick, { model: rule.model, source: 'beta' });
        break;
      case 'default': {
        const gone = retired(rule.model);
        trace.push({
          rule: rule.id,
          consulted: [],
          matched: true,
          why: `default primary ${rule.model.key}${gone ? ` (the gateway does not offer it: ${gone})` : ''}`,
        });
        Object.assign(pick, { model: rule.model, source: 'default' });
        break;
      }
    }
    if (pick.model) break;
  }
  const picked = pick.model;
  if (!picked && pick.identifier) return completion(pick, ctx, rec, cat, trace);
  if (!picked) throw new Error(`${cat.source}: completion rules picked no model (no default rule)`);
  const failover = cat.completionFailover;
  if (failover?.mode === 'automatic' && failover.model.key !== picked.key && !pick.leftToGateway) {
    const open = live.breakers ? live.breakers.isOpen(picked.provider, picked.name) : false;
    const gone = open ? retired(failover.model) : undefined;
    trace.push({
      rule: 'completion.failover_automatic',
      consulted: [],
      matched: open && !gone,
      why: !live.breakers
        ? 'no breaker view'
        : !open
          ? notOpenWhy(live.breakers, picked)
          : gone
            ? `breaker open for ${picked.provider}/${picked.name} but backup ${failover.model.key} is retired (${gone}): stays`
            : `breaker open for ${picked.provider}/${picked.name}: backup ${failover.model.key}, indirect only`,
    });
    if (open && !gone) {
      const d = completion(backup(failover.model, 'failover_automatic'), ctx, rec, cat, trace);
      return { ...d, failedOverFrom: picked };
    }
  }
  return completion(pick, ctx, rec, cat, trace);
}

/** The manual failover rule: true when it sends the request to the backup. */
function failoverRule(
  rule: FailoverRule,
  pick: Pick,
  rec: FlagRecorder,
  trace: RuleTrace[],
  retired: (m: ModelSpec) => string | undefined,
): boolean {
  const on = rec.user(rule.flag);
  const gone = on ? retired(rule.model) : undefined;
  if (pick.api === 'v4') pick.leftToGateway = true;
  const why = !on
    ? `${rule.flag} off`
    : pick.leftToGateway
      ? `${rule.flag} on, but the v4 switch comes first: failover is left to the gateway`
      : gone
        ? `${rule.flag} on but backup ${rule.model.key} is retired (${gone}): skipped`
        : `${rule.flag} on: backup ${rule.model.key}, indirect only`;
  const matched = on && !gone && !pick.leftToGateway;
  trace.push({ rule: rule.id, consulted: [rule.flag], matched, why });
  return matched;
}

/** The backup goes the v2 way: its prompt (version 3 messages) is built here. */
function backup(model: ModelSpec, source: ModelSource): Pick {
  return { api: 'v2', model, source };
}

/** Beta flag on for the user and no opt-out: each seat group on SaaS, the instance on self-managed. */
function betaApplies(
  rule: Extract<CompletionRule, { kind: 'beta' }>,
  ctx: RoutingContext,
  rec: FlagRecorder,
  trace: RuleTrace[],
  retired: string | undefined,
): boolean {
  if (!rec.user(rule.flag)) {
    trace.push({
      rule: rule.id,
      consulted: [rule.flag],
      matched: false,
      why: `${rule.flag} off for the user`,
    });
    return false;
  }
  const selfManaged = ctx.realm === 'self-managed';
  // No seat group on SaaS: nobody to opt out, nothing to ask.
  const consulted =
    selfManaged || ctx.seatGroups.length > 0 ? [rule.flag, rule.optOutFlag] : [rule.flag];
  let optedOutBy: string | undefined;
  if (selfManaged) {
    if (rec.instance(rule.optOutFlag)) optedOutBy = 'the instance';
  } else if (ctx.seatGroups.length > 0) {
    const groupId = rec.firstGroup(rule.optOutFlag, ctx.seatGroups);
    if (groupId !== undefined) optedOutBy = `seat group ${groupId}`;
  }
  if (optedOutBy === undefined && retired) {
    trace.push({
      rule: rule.id,
      consulted,
      matched: false,
      why: `${rule.flag} on but ${rule.model.key} is retired (${retired}): skipped, falls to the next rule`,
    });
    return false;
  }
  trace.push({
    rule: rule.id,
    consulted,
    matched: optedOutBy === undefined,
    why: optedOutBy
      ? `${rule.flag} on but ${rule.optOutFlag} on for ${optedOutBy}`
      : `${rule.flag} on, no opt-out (${selfManaged ? 'instance' : 'seat groups'}): ${rule.model.key}`,
  });
  return optedOutBy === undefined;
}

function completion(
  pick: Pick,
  ctx: RoutingContext,
  rec: FlagRecorder,
  cat: ModelCatalogue,
  trace: RuleTrace[],
): RoutingDecision {
  const directAccess = decideDirect(ctx, rec, cat, pick.source, trace);
  const identifier =
    pick.source === 'selected'
      ? pick.identifier
      : pick.source === 'beta'
        ? pick.model?.gitlabIdentifier
        : undefined;
  return {
    task: 'completion',
    api: pick.api,
    endpointPath: ENDPOINT_PATHS[pick.api],
    ...(pick.model ? { model: pick.model } : {}),
    ...(pick.api === 'v4' && pick.featureSetting
      ? {
          modelMetadata: {
            provider: 'gitlab' as const,
            feature_setting: pick.featureSetting,
            ...(identifier ? { identifier } : {}),
          },
        }
      : {}),
    modelSource: pick.source,
    directAccess,
    decidingFlags: rec.answers,
    trace,
  };
}

/** Why an automatic failover did not happen for `m`: closed, or open and due for a probe. */
function notOpenWhy(view: BreakerView, m: ModelSpec): string {
  const name = `${m.provider}/${m.name}`;
  const state = view.state?.(m.provider, m.name) ?? 'closed';
  return state === 'closed'
    ? `breaker closed for ${name}`
    : `breaker ${state.replace('_', '-')} for ${name} but due for a probe: this request may probe it`;
}
