import {
  aigwLimits,
  contractModel,
  unwrapOptional,
  type AigwLimits,
} from '../common/aigw/aigw-contract';
import { codePointLength } from '../common/text/code-points';
import { DomainError } from '../common/errors/domain-error';
import type { GatewayApi, RoutingDecision } from '../routing/routing.types';

/**
 * The pinned AI Gateway's limits our edge enforces (config/aigw/contract.json, derived from the
 * gateway's pydantic models by `npm run aigw:derive`): the one place they come from, so moving
 * the pin moves them. A request the gateway would refuse with a 422 gets our 400 naming the
 * field instead.
 */
export interface EdgeLimits extends AigwLimits {
  /** Per API: what a completion's context items may be (count and content). */
  completionContext: Record<GatewayApi, { items: number; content: number }>;
}

function listMax(model: string, field: string): number {
  const spec = contractModel(model).fields[field];
  const t = spec ? unwrapOptional(spec.type) : undefined;
  if (t?.kind !== 'list' || t.maxItems === undefined) {
    throw new Error(`AI Gateway contract: ${model}.${field} is no list with a limit`);
  }
  return t.maxItems;
}

function strMax(model: string, field: string): number {
  const spec = contractModel(model).fields[field];
  const t = spec ? unwrapOptional(spec.type) : undefined;
  if (t?.kind !== 'str' || t.maxLength === undefined) {
    throw new Error(`AI Gateway contract: ${model}.${field} is no string with a limit`);
  }
  return t.maxLength;
}

function loadEdgeLimits(): EdgeLimits {
  const limits = aigwLimits();
  // v3/v4: each context item is one prompt component next to the editor component.
  const components = (api: 'v3' | 'v4') => ({
    items: listMax(`${api}.CompletionRequest`, 'prompt_components') - 1,
    content: strMax(`${api}.CodeContextPayload`, 'content'),
  });
  return {
    ...limits,
    completionContext: {
      v2: { items: limits.v2ContextItems, content: limits.v2ContextContent },
      v3: components('v3'),
      v4: components('v4'),
    },
  };
}

export const EDGE_LIMITS: EdgeLimits = loadEdgeLimits();

interface ContextInput {
  context?: ReadonlyArray<{ content: string }>;
}

/**
 * The limits that depend on the path a request takes, checked once it is routed: a completion's
 * context items are forwarded as they are (GitLab does not trim them either), and v3/v4 allow
 * less than v2. Generations fold the items into the prompt, where the gateway counts nothing.
 */
export function assertWithinPathLimits(input: ContextInput, d: RoutingDecision): void {
  if (d.task !== 'completion' || !input.context) return;
  const limit = EDGE_LIMITS.completionContext[d.api];
  if (input.context.length > limit.items) {
    throw DomainError.invalid(
      'context',
      `has too many items (at most ${limit.items} for a completion through ${d.endpointPath})`,
    );
  }
  input.context.forEach((item, i) => {
    const s = item.content;
    if (s.length > limit.content && codePointLength(s) > limit.content) {
      throw DomainError.invalid(
        `context[${i}][content]`,
        `is too long (at most ${limit.content} characters for a completion through ${d.endpointPath})`,
      );
    }
  });
}
