import type { BreakerStateName } from '../resilience/breakers.service';

/** One failover as switchboard_failovers_total counts it. */
export interface FailoverEvent {
  mode: 'manual' | 'automatic';
  trigger: string;
  fromModel: string;
  toModel: string;
}

export interface AutomaticFailoverView {
  /** True while any breaker is not closed: routing sends that model's completions to the backup. */
  active: boolean;
  /** When the first of those breakers left `closed` (ISO 8601, UTC); null while inactive. */
  since: string | null;
  breakers: { upstream: string; state: BreakerStateName; since: string }[];
  /** Automatic failovers since `since` (completions sent to another model), and by route. */
  failed_over: number;
  routes: { from_model: string; to_model: string; trigger: string; count: number }[];
}

interface Episode {
  since: number;
  total: number;
  routes: Map<string, { from_model: string; to_model: string; trigger: string; count: number }>;
}

/**
 * "Automatic failover active": which breakers send traffic to the backup, since when, and how
 * many completions were failed over since then. Fed by the breakers' transitions and by the
 * same failover events the metrics count; in memory, for this process.
 */
export class FailoverActivity {
  private readonly notClosed = new Map<string, { state: BreakerStateName; since: number }>();
  private episode?: Episode;

  constructor(private readonly now: () => number = Date.now) {}

  breakerChanged(upstream: string, state: BreakerStateName): void {
    const at = this.now();
    if (state === 'closed') this.notClosed.delete(upstream);
    else this.notClosed.set(upstream, { state, since: this.notClosed.get(upstream)?.since ?? at });
    if (this.notClosed.size === 0) this.episode = undefined;
    else this.episode ??= { since: at, total: 0, routes: new Map() };
  }

  failover(e: FailoverEvent): void {
    if (!this.episode || e.mode !== 'automatic') return;
    const key = `${e.fromModel}\n${e.toModel}\n${e.trigger}`;
    const route = this.episode.routes.get(key) ?? {
      from_model: e.fromModel,
      to_model: e.toModel,
      trigger: e.trigger,
      count: 0,
    };
    route.count++;
    this.episode.routes.set(key, route);
    this.episode.total++;
  }

  view(): AutomaticFailoverView {
    const ep = this.episode;
    if (!ep) return { active: false, since: null, breakers: [], failed_over: 0, routes: [] };
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      active: true,
      since: iso(ep.since),
      breakers: [...this.notClosed].map(([upstream, b]) => ({
        upstream,
        state: b.state,
        since: iso(b.since),
      })),
      failed_over: ep.total,
      routes: [...ep.routes.values()].map((r) => ({ ...r })),
    };
  }
}
