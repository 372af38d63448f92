import type { AcceptanceCounts } from '../acceptance/acceptance.types';
import type { AcceptanceGuard } from '../routing/model-catalogue';
import {
  acceptanceVerdict,
  describeVerdict,
  rateInterval,
  type AcceptanceVerdict,
  type ArmCounts,
  type Interval,
} from './acceptance-sequential-test';

/** One row of the acceptance rollup (model × arm × gate). */
export type AcceptanceRow = AcceptanceCounts;

/** What the guard reads: the acceptance rollup's totals since a moment (AcceptanceService). */
export interface AcceptanceSource {
  totals(opts: {
    sinceMs: number;
    untilMs?: number;
    byLanguage?: boolean;
  }): Promise<AcceptanceRow[]>;
}

export const ACCEPTANCE_SOURCE = Symbol('ACCEPTANCE_SOURCE');

/**
 * Gates that put a random share of users on the beta. Users named one by one (actors, feature
 * groups, a boolean) were chosen, not drawn, so comparing them with the control would measure
 * who they are, not the model: the test counts only the randomized part of the beta arm.
 */
const RANDOMIZED_GATES = new Set(['percentage_of_actors', 'percentage_of_time']);

/** The beta arm (randomized gates only) and the control of one beta rule, over all models. */
export function armsOf(
  rows: readonly AcceptanceRow[],
  flag: string,
): { beta: ArmCounts; control: ArmCounts } {
  const beta = { shown: 0, accepted: 0 };
  const control = { shown: 0, accepted: 0 };
  for (const r of rows) {
    const into =
      r.arm === `beta:${flag}` && r.gate !== null && RANDOMIZED_GATES.has(r.gate)
        ? beta
        : r.arm === `control:${flag}`
          ? control
          : undefined;
    if (!into) continue;
    into.shown += r.shown;
    into.accepted += r.accepted;
  }
  return { beta, control };
}

const params = (g: AcceptanceGuard) => ({
  minShown: g.minShown,
  maxDrop: g.maxDrop,
  alpha: g.alpha,
});

export interface ArmView {
  shown: number;
  accepted: number;
  rate: number | null;
  /** The rate's confidence sequence at the rule's alpha (valid at every look). */
  interval: { low: number; high: number } | null;
}

/** The acceptance verdict of one beta rollout stage, as the console and the routing API show it. */
export interface AcceptanceStatus {
  flag: string;
  since: string;
  verdict: AcceptanceVerdict['kind'];
  summary: string;
  beta: ArmView;
  control: ArmView;
  drop: Interval | null;
  limits: { min_shown: number; max_drop: number; alpha: number };
}

const armView = (a: ArmCounts, g: AcceptanceGuard): ArmView => {
  const i = rateInterval(a, params(g));
  return {
    shown: a.shown,
    accepted: a.accepted,
    rate: i?.estimate ?? null,
    interval: i && { low: i.low, high: i.high },
  };
};

/** The verdict on a stage's counts and how to show it. */
export function judgeAcceptance(
  flag: string,
  sinceMs: number,
  rows: readonly AcceptanceRow[],
  g: AcceptanceGuard,
): { verdict: AcceptanceVerdict; status: AcceptanceStatus } {
  const { beta, control } = armsOf(rows, flag);
  const verdict = acceptanceVerdict(beta, control, params(g));
  return {
    verdict,
    status: {
      flag,
      since: new Date(sinceMs).toISOString(),
      verdict: verdict.kind,
      summary: describeVerdict(verdict, params(g)),
      beta: armView(beta, g),
      control: armView(control, g),
      drop: verdict.kind === 'collecting' ? null : verdict.drop,
      limits: { min_shown: g.minShown, max_drop: g.maxDrop, alpha: g.alpha },
    },
  };
}
