import {
  acceptanceVerdict,
  type AcceptanceTestParams,
} from '../../src/resilience/acceptance-sequential-test';

/** mulberry32: a small seeded generator, so every run of the simulation draws the same events. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Accepted suggestions among `n` shown between two looks: Binomial(n, p), drawn exactly by
 * inverting its CDF (one uniform per batch instead of one per suggestion; the guard only ever
 * sees the counts at its looks, so this is the same experiment, thousands of times faster).
 */
export function binomialSampler(n: number, p: number, rnd: () => number): () => number {
  const cdf: number[] = [];
  let pmf = Math.pow(1 - p, n);
  let acc = 0;
  for (let k = 0; k <= n; k++) {
    acc += pmf;
    cdf.push(acc);
    pmf = p < 1 ? (pmf * (n - k) * p) / ((k + 1) * (1 - p)) : 0;
  }
  if (p >= 1) return () => n;
  return () => {
    const u = rnd() * acc;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export interface Scenario {
  name: string;
  controlRate: number;
  betaRate: number;
  /** Suggestions shown between two looks of the guard, per arm. */
  betaPerLook: number;
  controlPerLook: number;
  looks: number;
  rollouts: number;
  params: AcceptanceTestParams;
  seed: number;
}

export interface ScenarioResult {
  name: string;
  rollouts: number;
  looksPerRollout: number;
  eventsShown: number;
  rolledBack: number;
  rate: number;
  /** Median beta suggestions shown when the guard rolled back (null: never). */
  medianBetaShownAtRollback: number | null;
}

/** Each rollout: suggestions arrive between looks, the guard looks after every batch. */
export function simulate(s: Scenario): ScenarioResult {
  const rnd = seededRandom(s.seed);
  const drawBeta = binomialSampler(s.betaPerLook, s.betaRate, rnd);
  const drawControl = binomialSampler(s.controlPerLook, s.controlRate, rnd);
  let rolledBack = 0;
  let shown = 0;
  const at: number[] = [];
  for (let r = 0; r < s.rollouts; r++) {
    const beta = { shown: 0, accepted: 0 };
    const control = { shown: 0, accepted: 0 };
    for (let look = 0; look < s.looks; look++) {
      beta.shown += s.betaPerLook;
      beta.accepted += drawBeta();
      control.shown += s.controlPerLook;
      control.accepted += drawControl();
      shown += s.betaPerLook + s.controlPerLook;
      if (acceptanceVerdict(beta, control, s.params).kind === 'harm') {
        rolledBack++;
        at.push(beta.shown);
        break;
      }
    }
  }
  at.sort((a, b) => a - b);
  return {
    name: s.name,
    rollouts: s.rollouts,
    looksPerRollout: s.looks,
    eventsShown: shown,
    rolledBack,
    rate: rolledBack / s.rollouts,
    medianBetaShownAtRollback: at.length ? at[Math.floor(at.length / 2)] : null,
  };
}
