import type { StageName } from './rollout-stages';
import type { Health } from './traffic-window';

/** Why a rollout needs an admin now, most urgent first. */
export type AttentionLevel = 'rolled_back' | 'unhealthy' | 'in_progress';
export interface Attention {
  level: AttentionLevel;
  reason: string;
}

const RANK: Record<AttentionLevel, number> = { rolled_back: 0, unhealthy: 1, in_progress: 2 };
/** Without a guard rule of its own, a beta failing this much more often than its default is flagged. */
const DEFAULT_MAX_ERROR_RATE_DELTA = 0.05;

export interface RolloutFacts {
  stage: StageName;
  /** The rollout guard's latest rollback of this flag, if any. */
  rollback?: { at: string; reason: string };
  /** Upstream attempts of the beta (its model, or the v4 API) and of what it replaces. */
  beta?: Health;
  baseline?: Health;
  maxErrorRateDelta?: number;
  /** What the beta and its baseline are called (the v4 switch: `v4`, `v2`). */
  names?: { beta: string; baseline: string };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function attentionOf(f: RolloutFacts): Attention | null {
  if (f.rollback && f.stage !== 'everyone')
    return {
      level: 'rolled_back',
      reason: `rolled back by the rollout guard at ${f.rollback.at}: ${f.rollback.reason}`,
    };
  const beta = f.beta;
  const base = f.baseline?.error_rate ?? 0;
  const allowed = f.maxErrorRateDelta ?? DEFAULT_MAX_ERROR_RATE_DELTA;
  const names = f.names ?? { beta: 'beta', baseline: 'the default' };
  if (beta && beta.errors > 0 && beta.error_rate - base > allowed)
    return {
      level: 'unhealthy',
      reason: `${names.beta} attempts failed ${beta.errors} of ${beta.requests} (${pct(beta.error_rate)} against ${pct(base)} for ${names.baseline})`,
    };
  if (f.stage !== 'not_started' && f.stage !== 'everyone')
    return { level: 'in_progress', reason: `at stage ${f.stage}` };
  return null;
}

/** Most urgent first; rollouts needing nothing keep their catalogue order at the end. */
export function byAttention<T extends { attention: Attention | null }>(list: T[]): T[] {
  const rank = (x: T) => (x.attention ? RANK[x.attention.level] : 3);
  return list
    .map((x, i) => ({ x, i }))
    .sort((a, b) => rank(a.x) - rank(b.x) || a.i - b.i)
    .map(({ x }) => x);
}
