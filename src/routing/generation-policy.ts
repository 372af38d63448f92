import { decideDirect } from './direct-access-policy';
import type { FlagRecorder } from './flag-recorder';
import type { ModelCatalogue } from './model-catalogue';
import {
  ENDPOINT_PATHS,
  type ModelSource,
  type RoutingContext,
  type RoutingDecision,
  type RoutingRequest,
  type RuleTrace,
} from './routing.types';
import type { TaskClassification } from './task-classifier';

/** A generation: v4 for SSE clients, else v3; the prompt-registry entry; the backup prompt. */
export function decideGeneration(
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
