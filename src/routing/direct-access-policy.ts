import type { FlagRecorder } from './flag-recorder';
import type { ModelCatalogue } from './model-catalogue';
import type { DirectAccessDecision, ModelSource, RoutingContext, RuleTrace } from './routing.types';

/**
 * Direct connections are forbidden when the instance disables them, when completion failover is
 * active for this request (manual flag or open breaker), or when any seat group disables them.
 * For generations only the manual completion flag counts: no completion model is picked there.
 */
export function decideDirect(
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
