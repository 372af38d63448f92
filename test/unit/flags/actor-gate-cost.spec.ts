import { toUnleashContext, userSubject } from '../../../src/flags/flag-context';
import { FlagEngine } from '../../../src/flags/flag-engine';
import { emptyGates } from '../../../src/flags/gates';

/**
 * Evaluation cost must not grow with the number of actors on a gate (GitLab rollouts list
 * thousands). Compares 1 and 1,000 actors on the same flag; a linear scan is ~50x slower.
 */
describe('actor gate cost', () => {
  const rate = (actors: number) => {
    const engine = new FlagEngine();
    const list = Array.from({ length: actors }, (_, i) => `User:${100_000 + i}`);
    engine.load([{ name: 'f', persisted: true, gates: { ...emptyGates(), actors: list } }]);
    const contexts = Array.from({ length: 64 }, (_, i) =>
      toUnleashContext(userSubject(i + 1, [i + 7], undefined, [])),
    );
    let hits = 0;
    const run = (n: number) => {
      for (let i = 0; i < n; i++) if (engine.isEnabled('f', contexts[i & 63], () => false)) hits++;
    };
    run(20_000); // warm up
    let best = 0;
    for (let round = 0; round < 3; round++) {
      const started = process.hrtime.bigint();
      run(20_000);
      const s = Number(process.hrtime.bigint() - started) / 1e9;
      best = Math.max(best, 20_000 / s);
    }
    expect(hits).toBe(0);
    return best;
  };

  it('1,000 actors evaluate at least a fifth as fast as 1 actor (a linear scan: ~1/50)', () => {
    const one = rate(1);
    const thousand = rate(1000);
    console.log(`actor gate: 1 actor ${Math.round(one)}/s, 1000 actors ${Math.round(thousand)}/s`);
    expect(thousand).toBeGreaterThan(one / 5);
  });
});
