/**
 * Always-valid comparison of two acceptance rates (beta arm against its control), for a guard
 * that looks at the cumulative counts again and again while a rollout runs.
 *
 * Method: an asymptotic confidence sequence (Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas,
 * "Time-uniform central limit theory and asymptotic confidence sequences", 2021/2024) for the
 * drop d = p_control − p_beta, with the normal-mixture boundary of Robbins (1970) / Howard et al.
 * ("Time-uniform, nonparametric, nonasymptotic confidence sequences", 2021). With the normal
 * approximation of d̂ (variance V) and a N(0, τ²) mixing distribution this is exactly the mixture
 * SPRT of Johari, Pekelis & Walsh ("Always valid inference", 2017; Optimizely's and Eppo's
 * sequential tests): the interval excludes a value θ exactly when the mSPRT against θ has
 * crossed 1/α. By Ville's inequality the chance that the interval ever misses the true drop, at
 * any of infinitely many looks, is at most α (asymptotically: the per-arm variance is estimated).
 *
 * The guard declares harm when the whole interval lies above `maxDrop`. Since the interval is
 * two-sided at level α, the one-sided false alarm rate is at most α however often it looks,
 * when the beta is no worse than `maxDrop` (measured in test/unit/resilience).
 *
 * Why written here: npm has no package for mSPRT or confidence sequences (the general statistics
 * libraries, jstat and simple-statistics, have fixed-n tests only, whose false alarm rate grows
 * without bound when looked at continuously), and the boundary is a closed form of a few lines.
 * It needs only cumulative counts, which is what the per-minute acceptance rollup keeps.
 */

export interface ArmCounts {
  shown: number;
  accepted: number;
}

export interface AcceptanceTestParams {
  /** The guard decides nothing before each arm has shown this many suggestions. */
  minShown: number;
  /** The allowed absolute drop of the acceptance rate (0.05 = 5 points). */
  maxDrop: number;
  /** The chance of a false alarm over the whole rollout stage, however often it is looked at. */
  alpha: number;
}

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export type AcceptanceVerdict =
  | { kind: 'collecting'; beta: ArmCounts; control: ArmCounts; minShown: number }
  | { kind: 'no_evidence_of_harm'; beta: ArmCounts; control: ArmCounts; drop: Interval }
  | { kind: 'harm'; beta: ArmCounts; control: ArmCounts; drop: Interval };

/**
 * The mixing variance τ² makes the boundary tightest where the variance of the estimate is V*:
 * τ² = c(α)·V* with c(α) = −2 ln α + ln(1 − 2 ln α) (Waudby-Smith et al., §3.2). We tune it to
 * the first look the guard may act on: both arms at `minShown`, at the largest Bernoulli variance
 * (¼), so V* = ¼·(1/minShown + 1/minShown). It is fixed by the configuration, not by the data,
 * which the guarantee needs.
 */
export function mixingVariance(p: Pick<AcceptanceTestParams, 'minShown' | 'alpha'>, arms = 2) {
  const c = -2 * Math.log(p.alpha) + Math.log(1 - 2 * Math.log(p.alpha));
  return (c * 0.25 * arms) / p.minShown;
}

/** Half-width of the normal-mixture boundary at variance `v`: |estimate − truth| ≤ this, always. */
export function mixtureHalfWidth(v: number, tau2: number, alpha: number): number {
  if (v <= 0) return 0;
  return Math.sqrt(((2 * v * (v + tau2)) / tau2) * Math.log(Math.sqrt((v + tau2) / v) / alpha));
}

/** Bernoulli variance of one arm's rate, with half a success added so 0 of n is not certainty. */
const armVariance = (a: ArmCounts) => {
  const p = (a.accepted + 0.5) / (a.shown + 1);
  return (p * (1 - p)) / a.shown;
};

const rate = (a: ArmCounts) => (a.shown > 0 ? a.accepted / a.shown : 0);

/** The drop p_control − p_beta with its confidence sequence at level α. */
export function dropInterval(beta: ArmCounts, control: ArmCounts, p: AcceptanceTestParams) {
  const estimate = rate(control) - rate(beta);
  const w = mixtureHalfWidth(armVariance(beta) + armVariance(control), mixingVariance(p), p.alpha);
  return { estimate, low: estimate - w, high: estimate + w };
}

/** One arm's acceptance rate with its confidence sequence (for people: the console). */
export function rateInterval(arm: ArmCounts, p: AcceptanceTestParams): Interval | null {
  if (arm.shown <= 0) return null;
  const estimate = rate(arm);
  const w = mixtureHalfWidth(armVariance(arm), mixingVariance(p, 1), p.alpha);
  return { estimate, low: Math.max(0, estimate - w), high: Math.min(1, estimate + w) };
}

/** The verdict on the counts so far; valid at every look (see the file comment). */
export function acceptanceVerdict(
  beta: ArmCounts,
  control: ArmCounts,
  p: AcceptanceTestParams,
): AcceptanceVerdict {
  if (beta.shown < p.minShown || control.shown < p.minShown)
    return { kind: 'collecting', beta, control, minShown: p.minShown };
  const drop = dropInterval(beta, control, p);
  return { kind: drop.low > p.maxDrop ? 'harm' : 'no_evidence_of_harm', beta, control, drop };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const points = (x: number) => `${(x * 100).toFixed(1)}`;

/** The verdict in one sentence with its numbers (audit reason, console, log). */
export function describeVerdict(v: AcceptanceVerdict, p: AcceptanceTestParams): string {
  const shown = `${v.beta.shown} beta / ${v.control.shown} control shown`;
  switch (v.kind) {
    case 'collecting':
      return `collecting: ${shown}, deciding from ${p.minShown} in each arm`;
    case 'no_evidence_of_harm':
      return `no evidence of harm after ${v.beta.shown} shown (${shown}; acceptance ${pct(rate(v.beta))} vs ${pct(rate(v.control))}, drop ${points(v.drop.estimate)} points, ${pct(1 - p.alpha)} CS [${points(v.drop.low)}, ${points(v.drop.high)}], allowed ${points(p.maxDrop)} points)`;
    case 'harm':
      return `acceptance ${pct(rate(v.beta))} vs ${pct(rate(v.control))} control: drop ${points(v.drop.estimate)} points, ${pct(1 - p.alpha)} CS [${points(v.drop.low)}, ${points(v.drop.high)}] lies above the allowed ${points(p.maxDrop)} points (${shown})`;
  }
}
