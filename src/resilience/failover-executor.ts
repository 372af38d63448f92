import type { AttemptOutcome } from './resilient-gateway.service';

export interface FailoverPlan<D> {
  /** The routed decision for the first attempt. */
  first: D;
  /** Epoch ms by which the whole request (every attempt) must be over. */
  deadline: number;
  /**
   * Set when a failed first attempt may fail over (automatic failover, a model with a backup):
   * the first attempt's own timeout, and the decision to try next.
   */
  failover?: { attemptTimeoutMs: number; next: (failed: D) => D };
  signal: AbortSignal;
  /** One attempt: build and send the call for `decision` within `timeoutMs`. */
  attempt: (decision: D, timeoutMs: number) => Promise<AttemptOutcome>;
}

/**
 * The failover loop: the first attempt (within its own timeout when it may fail over, so the
 * backup still has time), then, when it failed in a way failover covers and the client is still
 * there, one attempt on the next decision within what is left of the deadline.
 */
export async function runWithFailover<D>(
  plan: FailoverPlan<D>,
): Promise<{ decision: D; outcome: AttemptOutcome }> {
  const budget = () => Math.max(1, plan.deadline - Date.now());
  const firstTimeout = plan.failover
    ? Math.min(plan.failover.attemptTimeoutMs, budget())
    : budget();
  const outcome = await plan.attempt(plan.first, firstTimeout);
  if (!outcome.failure || !plan.failover || plan.signal.aborted)
    return { decision: plan.first, outcome };
  const decision = plan.failover.next(plan.first);
  return { decision, outcome: await plan.attempt(decision, budget()) };
}
