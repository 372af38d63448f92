/** One answered request, as the request metrics label it (the model that finally answered). */
export interface AnswerSample {
  at: number;
  provider: string;
  model: string;
  api: string;
  status: number;
  ms: number;
}

/** One upstream attempt (a failed primary and its failover are two), as the rollout guard sees it. */
export interface AttemptSample {
  at: number;
  /** `provider/model name`; absent when the gateway picks the model (v4 without a beta). */
  upstream?: string;
  /** The gateway API the attempt used. */
  api?: string;
  ok: boolean;
  ms: number;
}

/** What health is counted from: attempts per model, attempts per API, or answers per API. */
export type HealthSource = 'attempts' | 'api_attempts' | 'answers';

export type Dimension = 'model' | 'provider' | 'api';

export interface MinuteSeries {
  /**
   * Starts (epoch seconds) of the window's complete minutes, oldest first: the minute under way
   * is not among them (its count would read as a drop), it is `current`.
   */
  minutes: number[];
  /** Per dimension: label → count per minute, aligned with `minutes`. */
  by: Record<Dimension, Record<string, number[]>>;
  /** The minute under way, so far. */
  current: { minute: number; by: Record<Dimension, Record<string, number>> };
}

/**
 * The minute numbers (epoch ms / 60,000) of the last `minutes` complete minutes at `now`, oldest
 * first. The minute `now` falls in is still filling, so the window ends at the one before.
 */
export function completeMinutes(minutes: number, now: number): number[] {
  const current = Math.floor(now / MINUTE_MS);
  return Array.from({ length: minutes }, (_, i) => current - minutes + i);
}

export interface Health {
  /** `provider/model` for attempts, the gateway API for answers. */
  label: string;
  requests: number;
  errors: number;
  error_rate: number;
  p95_ms: number;
}

const MINUTE_MS = 60_000;
/** Latency samples kept per model and minute: enough for a p95, bounded under load. */
const MAX_LATENCIES = 500;

interface Stat {
  requests: number;
  errors: number;
  latencies: number[];
}

interface Bucket {
  counts: Record<Dimension, Map<string, number>>;
  /** Upstream attempts per `provider/model`. */
  attempts: Map<string, Stat>;
  /** Upstream attempts per gateway API (the v4 switch's health: the gateway picks the model). */
  api_attempts: Map<string, Stat>;
  /** Answers per gateway API (5xx = an error the user saw). */
  answers: Map<string, Stat>;
}

function add(map: Map<string, Stat>, label: string, failed: boolean, ms: number): void {
  let m = map.get(label);
  if (!m) map.set(label, (m = { requests: 0, errors: 0, latencies: [] }));
  m.requests++;
  if (failed) m.errors++;
  if (m.latencies.length < MAX_LATENCIES) m.latencies.push(ms);
}

/**
 * Answered code suggestions per minute for the last `keepMinutes`, by model, provider and gateway
 * API; upstream attempts per model and per API with their failures and latencies. Memory is
 * bounded by minutes × labels (labels come from the
 * catalogue, so they are few); old minutes are dropped as new ones start.
 */
export class TrafficWindow {
  private readonly buckets = new Map<number, Bucket>();

  constructor(private readonly keepMinutes = 60) {}

  record(s: AnswerSample): void {
    const b = this.bucket(Math.floor(s.at / MINUTE_MS));
    const labels: Record<Dimension, string> = {
      model: `${s.provider}/${s.model}`,
      provider: s.provider,
      api: s.api,
    };
    for (const d of Object.keys(labels) as Dimension[]) {
      b.counts[d].set(labels[d], (b.counts[d].get(labels[d]) ?? 0) + 1);
    }
    add(b.answers, s.api, s.status >= 500, s.ms);
  }

  recordAttempt(s: AttemptSample): void {
    const b = this.bucket(Math.floor(s.at / MINUTE_MS));
    if (s.upstream) add(b.attempts, s.upstream, !s.ok, s.ms);
    if (s.api) add(b.api_attempts, s.api, !s.ok, s.ms);
  }

  /** The last `minutes` complete minutes, and the minute under way so far. */
  series(minutes: number, now = Date.now()): MinuteSeries {
    const keys = completeMinutes(minutes, now);
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
    const minute = Math.floor(now / MINUTE_MS);
    const current: MinuteSeries['current'] = {
      minute: (minute * MINUTE_MS) / 1000,
      by: { model: {}, provider: {}, api: {} },
    };
    const b = this.buckets.get(minute);
    if (b)
      for (const d of Object.keys(by) as Dimension[])
        current.by[d] = Object.fromEntries(b.counts[d]);
    return { minutes: keys.map((k) => (k * MINUTE_MS) / 1000), by, current };
  }

  /**
   * Per model or per API from upstream attempts (a failed attempt that was failed over counts
   * against the model or API attempted), or per API from answers, over the last minutes up to
   * now (the minute under way included: health is read during an incident).
   */
  health(of: HealthSource, minutes: number, now = Date.now()): Health[] {
    const last = Math.floor(now / MINUTE_MS);
    const first = last - minutes + 1;
    const acc = new Map<string, Stat>();
    for (const [k, b] of this.buckets) {
      if (k < first || k > last) continue;
      for (const [label, m] of b[of]) {
        const a = acc.get(label) ?? { requests: 0, errors: 0, latencies: [] };
        a.requests += m.requests;
        a.errors += m.errors;
        a.latencies.push(...m.latencies);
        acc.set(label, a);
      }
    }
    return [...acc].map(([label, a]) => ({
      label,
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
        attempts: new Map(),
        api_attempts: new Map(),
        answers: new Map(),
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
