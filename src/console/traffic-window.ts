/** One answered completion, as the request metrics label it (the model that finally answered). */
export interface CompletionSample {
  at: number;
  provider: string;
  model: string;
  api: string;
  status: number;
  ms: number;
}

export type Dimension = 'model' | 'provider' | 'api';

export interface MinuteSeries {
  /** Minute starts (epoch seconds), oldest first, one per minute of the window. */
  minutes: number[];
  /** Per dimension: label → count per minute, aligned with `minutes`. */
  by: Record<Dimension, Record<string, number[]>>;
}

export interface ModelHealth {
  model: string;
  requests: number;
  errors: number;
  error_rate: number;
  p95_ms: number;
}

const MINUTE_MS = 60_000;
/** Latency samples kept per model and minute: enough for a p95, bounded under load. */
const MAX_LATENCIES = 500;

interface Bucket {
  counts: Record<Dimension, Map<string, number>>;
  models: Map<string, { requests: number; errors: number; latencies: number[] }>;
}

/**
 * Completions per minute for the last `keepMinutes`, by model, provider and gateway API, with
 * per-model errors and latencies. Memory is bounded by minutes × labels (labels come from the
 * catalogue, so they are few); old minutes are dropped as new ones start.
 */
export class TrafficWindow {
  private readonly buckets = new Map<number, Bucket>();

  constructor(private readonly keepMinutes = 60) {}

  record(s: CompletionSample): void {
    const b = this.bucket(Math.floor(s.at / MINUTE_MS));
    const labels: Record<Dimension, string> = {
      model: `${s.provider}/${s.model}`,
      provider: s.provider,
      api: s.api,
    };
    for (const d of Object.keys(labels) as Dimension[]) {
      b.counts[d].set(labels[d], (b.counts[d].get(labels[d]) ?? 0) + 1);
    }
    let m = b.models.get(labels.model);
    if (!m) b.models.set(labels.model, (m = { requests: 0, errors: 0, latencies: [] }));
    m.requests++;
    if (s.status >= 500) m.errors++;
    if (m.latencies.length < MAX_LATENCIES) m.latencies.push(s.ms);
  }

  series(minutes: number, now = Date.now()): MinuteSeries {
    const last = Math.floor(now / MINUTE_MS);
    const keys = Array.from({ length: minutes }, (_, i) => last - minutes + 1 + i);
    const by: MinuteSeries['by'] = { model: {}, provider: {}, api: {} };
    keys.forEach((k, i) => {
      const b = this.buckets.get(k);
      if (!b) return;
      for (const d of Object.keys(by) as Dimension[]) {
        for (const [label, n] of b.counts[d]) {
          (by[d][label] ??= new Array<number>(minutes).fill(0))[i] = n;
        }
      }
    });
    return { minutes: keys.map((k) => (k * MINUTE_MS) / 1000), by };
  }

  health(minutes: number, now = Date.now()): ModelHealth[] {
    const first = Math.floor(now / MINUTE_MS) - minutes + 1;
    const acc = new Map<string, { requests: number; errors: number; latencies: number[] }>();
    for (const [k, b] of this.buckets) {
      if (k < first) continue;
      for (const [model, m] of b.models) {
        const a = acc.get(model) ?? { requests: 0, errors: 0, latencies: [] };
        a.requests += m.requests;
        a.errors += m.errors;
        a.latencies.push(...m.latencies);
        acc.set(model, a);
      }
    }
    return [...acc].map(([model, a]) => ({
      model,
      requests: a.requests,
      errors: a.errors,
      error_rate: a.requests ? a.errors / a.requests : 0,
      p95_ms: p95(a.latencies),
    }));
  }

  private bucket(key: number): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = {
        counts: { model: new Map(), provider: new Map(), api: new Map() },
        models: new Map(),
      };
      this.buckets.set(key, b);
      for (const k of this.buckets.keys()) if (k <= key - this.keepMinutes) this.buckets.delete(k);
    }
    return b;
  }
}

function p95(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]);
}
