import { FlagRecorder } from './flag-recorder';
import type { CompletionRule, ModelCatalogue } from './model-catalogue';
import {
  ENDPOINT_PATHS,
  type BreakerView,
  type DirectAccessDecision,
  type FlagOracle,
  type GatewayApi,
  type ModelSource,
  type ModelSpec,
  type RoutingContext,
  type RoutingDecision,
  type RoutingRequest,
  type RuleTrace,
} from './routing.types';
import { classifyTask, type TaskClassification, type TaskReason } from './task-classifier';

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
): RoutingDecision {
  const rec = new FlagRecorder(flags);
  const cls = classifyTask(req);
  const trace: RuleTrace[] = [
    { rule: 'task', consulted: [], matched: true, why: `${cls.task}: ${TASK_REASONS[cls.reason]}` },
  ];
  return cls.task === 'generation'
    ? decideGeneration(cls, req, ctx, rec, catalogue, trace)
    : decideCompletion(ctx, rec, catalogue, breakers, trace);
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
): RoutingDecision {
  return decideRoute(DIRECT_ACCESS_PROBE, ctx, flags, catalogue, breakers);
}

const TASK_REASONS: Record<TaskReason, string> = {
  intent_completion: 'intent=completion',
  user_instruction: 'user_instruction given',
  generation_type: 'generation_type given',
  intent_generation: 'intent=generation',
  trailing_comment: 'content above the cursor ends with a comment of 10+ characters',
  no_trigger: 'no generation trigger',
};

function decideCompletion(
  ctx: RoutingContext,
  rec: FlagRecorder,
  cat: ModelCatalogue,
  breakers: BreakerView | undefined,
  trace: RuleTrace[],
): RoutingDecision {
  let picked: ModelSpec | undefined;
  let source: ModelSource = 'default';
  for (const rule of cat.completionRules) {
    switch (rule.kind) {
      case 'failover': {
        const on = rec.user(rule.flag);
        trace.push({
          rule: rule.id,
          consulted: [rule.flag],
          matched: on,
          why: on ? `${rule.flag} on: backup ${rule.model.key}, indirect only` : `${rule.flag} off`,
        });
        if (on) return completion('v2', rule.model, 'failover_manual', ctx, rec, cat, trace);
        break;
      }
      case 'gateway_api': {
        const on = rec.user(rule.flag);
        trace.push({
          rule: rule.id,
          consulted: [rule.flag],
          matched: on,
          why: on
            ? `${rule.flag} on: ${ENDPOINT_PATHS[rule.api]}, the gateway picks the model`
            : `${rule.flag} off: v2 with a model of ours`,
        });
        if (on) return completion(rule.api, undefined, 'gateway', ctx, rec, cat, trace);
        break;
      }
      case 'beta':
        if (betaApplies(rule, ctx, rec, trace)) {
          picked = rule.model;
          source = 'beta';
        }
        break;
      case 'default':
        trace.push({
          rule: rule.id,
          consulted: [],
          matched: true,
          why: `default primary ${rule.model.key}`,
        });
        picked = rule.model;
        source = 'default';
        break;
    }
    if (picked) break;
  }
  if (!picked) throw new Error(`${cat.source}: completion rules picked no model (no default rule)`);

  const failover = cat.completionFailover;
  if (failover?.mode === 'automatic' && failover.model.key !== picked.key) {
    const open = breakers ? breakers.isOpen(picked.provider, picked.name) : false;
    trace.push({
      rule: 'completion.failover_automatic',
      consulted: [],
      matched: open,
      why: !breakers
        ? 'no breaker view'
        : open
          ? `breaker open for ${picked.provider}/${picked.name}: backup ${failover.model.key}, indirect only`
          : `breaker closed for ${picked.provider}/${picked.name}`,
    });
    if (open) {
      const d = completion('v2', failover.model, 'failover_automatic', ctx, rec, cat, trace);
      return { ...d, failedOverFrom: picked };
    }
  }
  return completion('v2', picked, source, ctx, rec, cat, trace);
}

/** Beta flag on for the user and no opt-out: each seat group on SaaS, the instance on self-managed. */
function betaApplies(
  rule: Extract<CompletionRule, { kind: 'beta' }>,
  ctx: RoutingContext,
  rec: FlagRecorder,
  trace: RuleTrace[],
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
  api: GatewayApi,
  model: ModelSpec | undefined,
  modelSource: ModelSource,
  ctx: RoutingContext,
  rec: FlagRecorder,
  cat: ModelCatalogue,
  trace: RuleTrace[],
): RoutingDecision {
  const directAccess = decideDirect(ctx, rec, cat, modelSource, trace);
  return {
    task: 'completion',
    api,
    endpointPath: ENDPOINT_PATHS[api],
    ...(model ? { model } : {}),
    modelSource,
    directAccess,
    decidingFlags: rec.answers,
    trace,
  };
}

function decideGeneration(
  cls: TaskClassification,
  req: RoutingRequest,
  ctx: RoutingContext,
  rec: FlagRecorder,
  cat: ModelCatalogue,
  trace: RuleTrace[],
): RoutingDecision {
  const gen = cat.generation;
  const api = req.supportsSseStreaming ? gen.sseApi : gen.defaultApi;
  trace.push({
    rule: 'generation.api',
    consulted: [],
    matched: true,
    why: req.supportsSseStreaming
      ? `client supports SSE streaming: ${api}`
      : `no SSE streaming support: ${api}`,
  });
  let promptVersion = gen.promptVersion;
  let modelSource: ModelSource = 'gateway';
  if (gen.failover) {
    const flag = gen.failover.flag;
    const on = rec.user(flag);
    trace.push({
      rule: 'generation.failover',
      consulted: [flag],
      matched: on,
      why: on
        ? `${flag} on: backup prompt version ${gen.failover.promptVersion}`
        : `${flag} off: prompt version ${gen.promptVersion}`,
    });
    if (on) {
      promptVersion = gen.failover.promptVersion;
      modelSource = 'failover_manual';
    }
  }
  const directAccess = decideDirect(ctx, rec, cat, undefined, trace);
  return {
    task: 'generation',
    ...(cls.generationType ? { generationType: cls.generationType } : {}),
    api,
    endpointPath: ENDPOINT_PATHS[api],
    generationPrompt: { promptId: gen.promptId, promptVersion },
    modelSource,
    directAccess,
    decidingFlags: rec.answers,
    trace,
  };
}

/**
 * Direct connections are forbidden when the instance disables them, when completion failover is
 * active for this request (manual flag or open breaker), or when any seat group disables them.
 * For generations only the manual completion flag counts: no completion model is picked there.
 */
function decideDirect(
  ctx: RoutingContext,
  rec: FlagRecorder,
  cat: ModelCatalogue,
  completionSource: ModelSource | undefined,
  trace: RuleTrace[],
): DirectAccessDecision {
  const deny = (
    reason: NonNullable<DirectAccessDecision['reason']>,
    consulted: string[],
    why: string,
  ) => {
    trace.push({ rule: 'direct_access', consulted, matched: false, why });
    return { allowed: false, reason };
  };
  if (ctx.instanceDirectDisabled)
    return deny('instance_disabled', [], 'instance setting disables direct connections');
  if (completionSource === 'failover_automatic')
    return deny('failover_automatic', [], 'automatic failover active');
  const failover = cat.completionFailover;
  if (failover && (completionSource === 'failover_manual' || rec.user(failover.flag))) {
    return deny('failover_manual', [failover.flag], `${failover.flag} on`);
  }
  const group = ctx.seatGroups.find((g) => !g.directCodeSuggestionsEnabled);
  if (group)
    return deny('group_disabled', [], `seat group ${group.id} disables direct connections`);
  trace.push({
    rule: 'direct_access',
    consulted: failover ? [failover.flag] : [],
    matched: true,
    why: 'allowed',
  });
  return { allowed: true };
}
