import type { BreakerStateName } from '../resilience/breakers.service';
import type { AutomaticFailoverView } from './failover-activity';
import {
  completeMinutes,
  type Dimension,
  type Health,
  type HealthSource,
  type MinuteSeries,
  type TrafficWindow,
} from './traffic-window';

const MINUTE_MS = 60_000;
/** Minutes a snapshot carries: the longest window the traffic endpoint serves. */
export const SNAPSHOT_MINUTES = 60;
const MAX_TRANSITIONS = 200;

export interface BreakerTransition {
  upstream: string;
  state: BreakerStateName;
  at: string;
}

/** One minute's health of one label (a `provider/model`, or a gateway API). */
interface MinuteHealth extends Health {
  /** Minute start, epoch ms. */
  minute: number;
}

/** What one process publishes every few seconds (and what this process is, live). */
export interface ConsoleSnapshot {
  series: MinuteSeries;
  /** Per source; a process of an older release publishes no `api_attempts`. */
  health: Partial<Record<HealthSource, MinuteHealth[]>>;
  breakers: Record<string, BreakerStateName>;
  transitions: BreakerTransition[];
  failover: AutomaticFailoverView;
}

const pastMinutes = new WeakMap<TrafficWindow, Map<string, MinuteHealth[]>>();

export function snapshotOf(
  traffic: TrafficWindow,
  rest: Omit<ConsoleSnapshot, 'series' | 'health'>,
  now = Date.now(),
): ConsoleSnapshot {
  // A past minute's health no longer changes: computed once (p95 sorts its latencies).
  let cache = pastMinutes.get(traffic);
  if (!cache) pastMinutes.set(traffic, (cache = new Map<string, MinuteHealth[]>()));
  const current = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  for (const k of cache.keys())
    if (Number(k.split(':')[1]) <= current - SNAPSHOT_MINUTES * MINUTE_MS) cache.delete(k);
  const perMinute = (of: HealthSource) =>
    Array.from({ length: SNAPSHOT_MINUTES }, (_, i) => {
      const minute = current - i * MINUTE_MS;
      const key = `${of}:${minute}`;
      const done = cache.get(key);
      if (done) return done;
      const health = traffic.health(of, 1, minute).map((h) => ({ ...h, minute }));
      if (minute < current) cache.set(key, health);
      return health;
    }).flat();
  return {
    series: traffic.series(SNAPSHOT_MINUTES, now),
    health: {
      attempts: perMinute('attempts'),
      api_attempts: perMinute('api_attempts'),
      answers: perMinute('answers'),
    },
    ...rest,
  };
}

/**
 * Answered requests per complete minute: the processes' counts added minute by minute; the
 * minute under way added up from the processes that are in it. A snapshot published before the
 * minute turned carries that minute as its `current`: it is a complete minute now, and counted as
 * one (else its counts would be missing until the process publishes again).
 */
export function mergeSeries(all: ConsoleSnapshot[], minutes: number, now: number): MinuteSeries {
  const keys = completeMinutes(minutes, now).map((k) => (k * MINUTE_MS) / 1000);
  const index = new Map(keys.map((k, i) => [k, i]));
  const by: MinuteSeries['by'] = { model: {}, provider: {}, api: {} };
  const current: MinuteSeries['current'] = {
    minute: (Math.floor(now / MINUTE_MS) * MINUTE_MS) / 1000,
    by: { model: {}, provider: {}, api: {} },
  };
  const addAt = (minute: number, d: Dimension, label: string, n: number) => {
    if (n === 0) return;
    if (minute === current.minute) current.by[d][label] = (current.by[d][label] ?? 0) + n;
    const i = index.get(minute);
    if (i !== undefined) (by[d][label] ??= new Array<number>(minutes).fill(0))[i] += n;
  };
  for (const snap of all) {
    for (const d of Object.keys(by) as Dimension[]) {
      for (const [label, counts] of Object.entries(snap.series.by[d]))
        counts.forEach((n, j) => addAt(snap.series.minutes[j], d, label, n));
      // A process of an older release publishes no current minute.
      const c = snap.series.current;
      if (c) for (const [label, n] of Object.entries(c.by[d])) addAt(c.minute, d, label, n);
    }
  }
  return { minutes: keys, by, current };
}

/**
 * Health over the window from every process: requests and errors added up; p95 is the highest
 * per-minute p95 of any process (an upper bound: latencies are not shipped between processes).
 */
export function mergeHealth(
  all: ConsoleSnapshot[],
  of: HealthSource,
  minutes: number,
  now: number,
): Health[] {
  const first = (Math.floor(now / MINUTE_MS) - minutes + 1) * MINUTE_MS;
  const acc = new Map<string, Health>();
  for (const h of all.flatMap((s) => s.health[of] ?? [])) {
    if (h.minute < first) continue;
    const a = acc.get(h.label) ?? {
      label: h.label,
      requests: 0,
      errors: 0,
      error_rate: 0,
      p95_ms: 0,
    };
    a.requests += h.requests;
    a.errors += h.errors;
    a.p95_ms = Math.max(a.p95_ms, h.p95_ms);
    a.error_rate = a.requests ? a.errors / a.requests : 0;
    acc.set(h.label, a);
  }
  return [...acc.values()];
}

const SEVERITY: Record<BreakerStateName, number> = {
  closed: 0,
  half_open: 1,
  open: 2,
  isolated: 3,
};

/** Per upstream, the state furthest from closed in any process. */
export function mergeBreakers(all: ConsoleSnapshot[]): Record<string, BreakerStateName> {
  const out: Record<string, BreakerStateName> = {};
  for (const s of all)
    for (const [k, state] of Object.entries(s.breakers))
      if (!out[k] || SEVERITY[state] > SEVERITY[out[k]]) out[k] = state;
  return out;
}

export function mergeTransitions(all: ConsoleSnapshot[]): BreakerTransition[] {
  return all
    .flatMap((s) => s.transitions)
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, MAX_TRANSITIONS);
}

/** Active if any process has a breaker sending traffic to the backup; counts added up. */
export function mergeFailover(all: ConsoleSnapshot[]): AutomaticFailoverView {
  const active = all.map((s) => s.failover).filter((f) => f.active);
  if (active.length === 0)
    return { active: false, since: null, breakers: [], failed_over: 0, routes: [] };
  const breakers = new Map<string, AutomaticFailoverView['breakers'][number]>();
  const routes = new Map<string, AutomaticFailoverView['routes'][number]>();
  for (const f of active) {
    for (const b of f.breakers) {
      const seen = breakers.get(b.upstream);
      breakers.set(b.upstream, {
        upstream: b.upstream,
        state: seen && SEVERITY[seen.state] > SEVERITY[b.state] ? seen.state : b.state,
        since: seen && seen.since < b.since ? seen.since : b.since,
      });
    }
    for (const r of f.routes) {
      const key = `${r.from_model}\n${r.to_model}\n${r.trigger}`;
      const seen = routes.get(key);
      routes.set(key, { ...r, count: (seen?.count ?? 0) + r.count });
    }
  }
  return {
    active: true,
    since: active.map((f) => f.since!).sort()[0],
    breakers: [...breakers.values()],
    failed_over: active.reduce((n, f) => n + f.failed_over, 0),
    routes: [...routes.values()],
  };
}
