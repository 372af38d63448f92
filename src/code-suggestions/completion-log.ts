import type { Principal } from '../common/auth/principal';
import { rootLogger } from '../common/logging/logger';
import { decisionModelLabels } from '../routing/decision-labels';
import type { RoutingDecision } from '../routing/routing.types';
import type { CompletionInputBody } from './completion-input.schema';

/** The line operators look for. Code content only when expanded_ai_logging is on for the user. */
export function logCompletionInput(
  expanded: boolean,
  p: Principal,
  input: CompletionInputBody,
  d: RoutingDecision,
  requestId: string,
): void {
  rootLogger.info(
    {
      reqId: requestId,
      user_id: p.user.id,
      model_provider: decisionModelLabels(d).provider,
      model_name: decisionModelLabels(d).model,
      model_source: d.modelSource,
      api: d.api,
      endpoint: d.endpointPath,
      task: d.task,
      generation_type: d.generationType,
      stream: input.stream === true,
      deciding_flags: d.decidingFlags,
      direct_access_allowed: d.directAccess.allowed,
      ...(expanded
        ? {
            file_name: input.current_file.file_name,
            content_above_cursor: input.current_file.content_above_cursor,
            content_below_cursor: input.current_file.content_below_cursor,
          }
        : {}),
    },
    'code completion input:',
  );
}
