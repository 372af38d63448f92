import { DomainError } from '../common/errors/domain-error';
import { UpstreamFailure, type UpstreamResponse } from '../gateway/gateway.types';
import type {
  AttemptOutcomeLabel,
  CompletionOutcomeLabel,
  MetricsService,
  RoutedLabels,
} from '../observability/metrics.service';
import type { AttemptOutcome } from '../resilience/resilient-gateway.service';
import { decisionModelLabels } from '../routing/decision-labels';
import type { RoutingDecision } from '../routing/routing.types';

/** The route pattern, as switchboard_requests_total's `endpoint` label has it. */
export const COMPLETIONS_ENDPOINT = '/api/v4/code_suggestions/completions';

/** The metric labels of a routed request, named as logs and claims name them (decision-labels). */
export function labelsOf(d: RoutingDecision): RoutedLabels {
  return { task: d.task, api: d.api, ...decisionModelLabels(d) };
}

/** Not routed (refused before routing): empty labels, as switchboard_requests_total has them. */
export const UNROUTED: RoutedLabels = { task: '', api: '', provider: '', model: '' };

const statusClass = (status: number) =>
  status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : '2xx';

/** A thrown error's class: a typed upstream failure, an open breaker, a client gone, or ours. */
function errorClass(err: unknown): Exclude<AttemptOutcomeLabel, `${number}xx`> {
  if (err instanceof UpstreamFailure) return err.reason;
  if (err instanceof DomainError && err.code === 'client_closed_request') return 'cancelled';
  if (err instanceof DomainError && err.code === 'upstream_unavailable') return 'circuit_open';
  return 'internal';
}

/** How one gateway attempt ended (its outcome, or the error it threw). */
export function attemptOutcomeLabel(
  outcome: AttemptOutcome | undefined,
  thrown: unknown,
): AttemptOutcomeLabel {
  if (!outcome) return errorClass(thrown);
  if (outcome.response) return statusClass(outcome.response.status);
  const f = outcome.failure!;
  switch (f.reason) {
    case 'upstream_status':
      return statusClass(f.response.status);
    case 'circuit_open':
      return 'circuit_open';
    case 'connect':
    case 'timeout':
    case 'early_close':
    case 'bulkhead_full':
    case 'oversized_answer':
      return f.reason;
  }
}

/**
 * How a routed completion ended for its client: answered by the model the rules picked, by
 * another one (`failed_over`: flag, open breaker or failed attempt), the gateway's error passed
 * through, or the class of the error we answered.
 */
export function completionOutcomeLabel(
  response: UpstreamResponse | undefined,
  thrown: unknown,
  failedOver: boolean,
): CompletionOutcomeLabel {
  if (!response) return errorClass(thrown);
  if (response.status >= 500) return 'upstream_5xx';
  if (response.status >= 400) return 'upstream_4xx';
  return failedOver ? 'failed_over' : 'answered';
}

/**
 * A decision that routing already sent to the backup (the manual flag, or automatic failover
 * for an open breaker) is counted as a failover; true when it is one. Manual failover moves
 * every completion whatever the rules would have picked: `from_model="any"`.
 */
export function countRoutedFailover(metrics: MetricsService, d: RoutingDecision): boolean {
  const to = labelsOf(d).model;
  switch (d.modelSource) {
    case 'failover_manual':
      metrics.failover('manual', 'flag', 'any', to);
      return true;
    case 'failover_automatic':
      metrics.failover('automatic', 'breaker_open', d.failedOverFrom?.name ?? 'any', to);
      return true;
    case 'gateway':
    case 'default':
    case 'beta':
    case 'selected':
      return false;
  }
}
