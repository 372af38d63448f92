import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  acceptanceVerdict,
  describeVerdict,
  dropInterval,
  mixingVariance,
  mixtureHalfWidth,
  rateInterval,
  type AcceptanceTestParams,
} from '../../../src/resilience/acceptance-sequential-test';
import { simulate, type Scenario } from '../../support/acceptance-simulation';

const P: AcceptanceTestParams = { minShown: 200, maxDrop: 0.05, alpha: 0.05 };
const arm = (shown: number, accepted: number) => ({ shown, accepted });

describe('acceptanceVerdict', () => {
  it.each([
    // beta, control, params, verdict
    ['an arm below min_shown', arm(199, 20), arm(5000, 1500), P, 'collecting'],
    ['the control below min_shown', arm(400, 20), arm(150, 45), P, 'collecting'],
    ['same acceptance', arm(1000, 300), arm(4000, 1200), P, 'no_evidence_of_harm'],
    ['a drop within max_drop', arm(2000, 560), arm(8000, 2400), P, 'no_evidence_of_harm'],
    ['beta better than control', arm(1000, 500), arm(4000, 1200), P, 'no_evidence_of_harm'],
    ['beta accepted far less', arm(400, 40), arm(1600, 480), P, 'harm'],
    ['nothing accepted on the beta', arm(200, 0), arm(800, 240), P, 'harm'],
    // 10 points lower, but at 200 shown the interval still reaches below max_drop (5 points)
    [
      'a real drop, too few shown to be sure',
      arm(200, 40),
      arm(800, 240),
      P,
      'no_evidence_of_harm',
    ],
    ['the same drop with 10x the suggestions', arm(2000, 400), arm(8000, 2400), P, 'harm'],
    [
      'max_drop 0: any sure drop is harm',
      arm(3000, 780),
      arm(12000, 3600),
      { ...P, maxDrop: 0 },
      'harm',
    ],
    [
      'max_drop 0.15 tolerates that drop',
      arm(3000, 780),
      arm(12000, 3600),
      { ...P, maxDrop: 0.15 },
      'no_evidence_of_harm',
    ],
    [
      'a stricter alpha needs more evidence',
      arm(400, 64),
      arm(1600, 480),
      { ...P, alpha: 0.001 },
      'no_evidence_of_harm',
    ],
    ['the same counts at alpha 0.05', arm(400, 64), arm(1600, 480), P, 'harm'],
  ] as const)('%s → %s', (_name, beta, control, params, kind) => {
    expect(acceptanceVerdict(beta, control, params).kind).toBe(kind);
  });

  it('says what it decided with the numbers', () => {
    const harm = acceptanceVerdict(arm(400, 40), arm(1600, 480), P);
    expect(describeVerdict(harm, P)).toMatch(
      /^acceptance 10\.0% vs 30\.0% control: drop 20\.0 points, 95\.0% CS \[\d+\.\d, \d+\.\d\] lies above the allowed 5\.0 points \(400 beta \/ 1600 control shown\)$/,
    );
    const fine = acceptanceVerdict(arm(1000, 300), arm(4000, 1200), P);
    expect(describeVerdict(fine, P)).toMatch(/^no evidence of harm after 1000 shown \(/);
    const early = acceptanceVerdict(arm(10, 3), arm(40, 12), P);
    expect(describeVerdict(early, P)).toBe(
      'collecting: 10 beta / 40 control shown, deciding from 200 in each arm',
    );
  });
});

describe('the normal-mixture boundary', () => {
  it.each([
    [1e-3, 0.05],
    [1e-4, 0.05],
    [1e-5, 0.01],
    [5e-4, 0.2],
  ])(
    'is where the mixture SPRT (Johari et al.) at variance %p reaches 1/alpha = 1/%p',
    (v, alpha) => {
      // Johari et al.: Λ = sqrt(V/(V+τ²)) · exp(τ² δ² / (2V(V+τ²))), δ the distance from the null
      const tau2 = mixingVariance({ minShown: 200, alpha });
      const d = mixtureHalfWidth(v, tau2, alpha);
      const lr = Math.sqrt(v / (v + tau2)) * Math.exp((tau2 * d * d) / (2 * v * (v + tau2)));
      expect(lr).toBeCloseTo(1 / alpha, 6);
    },
  );

  it('narrows as suggestions are shown and contains the estimate', () => {
    const widths = [200, 1000, 5000, 25000].map((n) => {
      const d = dropInterval(arm(n, n * 0.3), arm(4 * n, 4 * n * 0.3), P);
      expect(d.low).toBeLessThan(d.estimate);
      expect(d.high).toBeGreaterThan(d.estimate);
      return d.high - d.low;
    });
    expect([...widths].sort((a, b) => b - a)).toEqual(widths);
    expect(widths[3]).toBeLessThan(0.03);
  });

  it('gives each arm a rate interval inside [0, 1], none without suggestions', () => {
    expect(rateInterval(arm(0, 0), P)).toBeNull();
    const none = rateInterval(arm(300, 0), P)!;
    expect(none).toMatchObject({ estimate: 0, low: 0 });
    expect(none.high).toBeGreaterThan(0);
    const all = rateInterval(arm(300, 300), P)!;
    expect(all).toMatchObject({ estimate: 1, high: 1 });
    const mid = rateInterval(arm(1000, 300), P)!;
    expect(mid.low).toBeGreaterThan(0.2);
    expect(mid.high).toBeLessThan(0.4);
  });
});

/**
 * The false alarm rate under continuous looking: thousands of rollouts, each looked at after
 * every batch of suggestions (seeded, so the numbers are the same on every run). The numbers go
 * to test-output/acceptance-guard-simulation.json (quoted in docs/rollout-guard.md).
 */
describe('simulation: continuous looks', () => {
  const base = { betaPerLook: 50, controlPerLook: 200, looks: 200, rollouts: 4000 };
  const scenarios: Scenario[] = [
    {
      name: 'A/A 30%, max_drop 0',
      controlRate: 0.3,
      betaRate: 0.3,
      ...base,
      params: { ...P, maxDrop: 0 },
      seed: 1,
    },
    {
      name: 'A/A 5%, max_drop 0',
      controlRate: 0.05,
      betaRate: 0.05,
      ...base,
      params: { ...P, maxDrop: 0 },
      seed: 2,
    },
    {
      name: 'A/A 30%, max_drop 0.05',
      controlRate: 0.3,
      betaRate: 0.3,
      ...base,
      params: P,
      seed: 3,
    },
    {
      name: 'drop = max_drop (30% vs 25%)',
      controlRate: 0.3,
      betaRate: 0.25,
      ...base,
      params: P,
      seed: 4,
    },
    {
      name: 'A/A 30%, max_drop 0, alpha 0.01',
      controlRate: 0.3,
      betaRate: 0.3,
      ...base,
      params: { ...P, maxDrop: 0, alpha: 0.01 },
      seed: 5,
    },
    { name: 'harm: 30% vs 10%', controlRate: 0.3, betaRate: 0.1, ...base, params: P, seed: 6 },
    { name: 'harm: 30% vs 20%', controlRate: 0.3, betaRate: 0.2, ...base, params: P, seed: 7 },
  ];
  const results = scenarios.map((s) => ({ ...simulate(s), ...s.params }));

  afterAll(() => {
    const out = path.join(__dirname, '../../../test-output');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(
      path.join(out, 'acceptance-guard-simulation.json'),
      JSON.stringify(results, null, 2),
    );
  });

  it.each(results.filter((r) => !r.name.startsWith('harm')))(
    '$name: rolled back in at most alpha of the rollouts',
    (r) => {
      expect(r.rolledBack / r.rollouts).toBeLessThanOrEqual(r.alpha);
    },
  );

  it.each(results.filter((r) => r.name.startsWith('harm')))(
    '$name: rolled back in (almost) every rollout',
    (r) => {
      expect(r.rate).toBeGreaterThan(0.99);
    },
  );
});
