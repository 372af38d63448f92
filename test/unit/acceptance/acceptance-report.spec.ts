import { presentAcceptance, wilson95 } from '../../../src/acceptance/acceptance-report';

describe('wilson95', () => {
  it.each([
    // successes, n, low, high (Wilson score, z = 1.96, checked against R's prop.test(correct=FALSE))
    [3, 4, 0.3006, 0.9544],
    [0, 10, 0, 0.2775],
    [10, 10, 0.7225, 1],
    [50, 100, 0.4038, 0.5962],
  ])('%i of %i → [%f, %f]', (k, n, low, high) => {
    const ci = wilson95(k, n)!;
    expect(ci.low).toBeCloseTo(low, 3);
    expect(ci.high).toBeCloseTo(high, 3);
  });

  it('has no interval without a trial', () => {
    expect(wilson95(0, 0)).toBeNull();
  });
});

describe('presentAcceptance', () => {
  it('adds the arms of a model up and gives each row its rate', () => {
    const out = presentAcceptance([
      { model: 'a', arm: 'beta:f', gate: 'actors', shown: 10, accepted: 5, rejected: 5 },
      { model: 'a', arm: 'control:f', gate: null, shown: 30, accepted: 3, rejected: 20 },
      { model: 'b', arm: 'unknown', gate: null, shown: 0, accepted: 0, rejected: 0 },
    ]);
    expect(out.models[0]).toMatchObject({
      model: 'a',
      shown: 40,
      accepted: 8,
      acceptance_rate: 0.2,
    });
    expect(out.arms.map((r) => r.arm)).toEqual(['control:f', 'beta:f', 'unknown']);
    expect(out.arms[2]).toMatchObject({ acceptance_rate: null, ci95: null });
  });
});
