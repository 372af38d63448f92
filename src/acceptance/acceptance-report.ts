import type { AcceptanceCounts } from './acceptance.types';

/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054;

/**
 * Wilson score interval (95 %) of a proportion `successes / n`; null when n is 0. Unlike the
 * normal approximation it stays inside [0, 1] and is honest for small n and rates near 0 or 1.
 */
export function wilson95(successes: number, n: number): { low: number; high: number } | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = Z95 * Z95;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** One row of the answer: the counts, the acceptance rate (accepted / shown) and its interval. */
export function withRate<T extends Omit<AcceptanceCounts, 'model' | 'arm' | 'gate'>>(row: T) {
  const ci = wilson95(row.accepted, row.shown);
  return {
    ...row,
    acceptance_rate: row.shown > 0 ? round(row.accepted / row.shown) : null,
    ci95: ci ? { low: round(ci.low), high: round(ci.high) } : null,
  };
}

const byCounts = (a: { shown: number }, b: { shown: number }) => b.shown - a.shown;

/** Per model (all arms added up) and per model × arm × gate (× language when asked). */
export function presentAcceptance(rows: readonly AcceptanceCounts[]) {
  const models = new Map<
    string,
    { model: string; shown: number; accepted: number; rejected: number }
  >();
  for (const r of rows) {
    const m = models.get(r.model) ?? { model: r.model, shown: 0, accepted: 0, rejected: 0 };
    m.shown += r.shown;
    m.accepted += r.accepted;
    m.rejected += r.rejected;
    models.set(r.model, m);
  }
  return {
    models: [...models.values()].sort(byCounts).map(withRate),
    arms: [...rows].sort(byCounts).map(withRate),
  };
}
