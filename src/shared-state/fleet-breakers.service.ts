import type { ChangeBus } from '../common/fleet/change-bus';
import type { FleetBreakers } from '../common/fleet/fleet-breakers';

/** How often a process repeats the breakers it has open (only while it has some). */
export const BREAKER_HEARTBEAT_MS = 1000;
/**
 * A remote "open" not repeated for this long is forgotten: the process died or lost Redis with
 * its breaker open, and must not forbid direct access for the whole fleet forever.
 */
export const BREAKER_REMOTE_TTL_MS = 5000;

/**
 * Breaker states of the other processes, learnt from the change bus. Each process keeps deciding
 * its own routing with its own breakers (a failing model is probed by every process); only
 * direct access, whose tokens outlive any breaker, is forbidden by an open breaker anywhere.
 */
export class FleetBreakersState implements FleetBreakers {
  private readonly localOpen = new Set<string>();
  /** upstream → origin → until when its "open" holds. */
  private readonly remoteOpen = new Map<string, Map<string, number>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly bus: ChangeBus,
    private readonly now: () => number = Date.now,
  ) {
    bus.subscribe('breaker.state', (data, origin) => {
      if (data) this.remember(data.upstream, origin, data.open);
    });
    this.timer = setInterval(() => this.heartbeat(), BREAKER_HEARTBEAT_MS);
    this.timer.unref();
  }

  report(upstream: string, closed: boolean): void {
    if (closed) this.localOpen.delete(upstream);
    else this.localOpen.add(upstream);
    this.bus.publish('breaker.state', { upstream, open: !closed });
  }

  openElsewhere(upstream: string): boolean {
    const origins = this.remoteOpen.get(upstream);
    if (!origins) return false;
    const now = this.now();
    for (const [origin, until] of origins) {
      if (until > now) return true;
      origins.delete(origin);
    }
    return false;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private remember(upstream: string, origin: string, open: boolean): void {
    let origins = this.remoteOpen.get(upstream);
    if (!open) {
      origins?.delete(origin);
      return;
    }
    if (!origins) this.remoteOpen.set(upstream, (origins = new Map<string, number>()));
    origins.set(origin, this.now() + BREAKER_REMOTE_TTL_MS);
  }

  private heartbeat(): void {
    for (const upstream of this.localOpen) {
      this.bus.publish('breaker.state', { upstream, open: true });
    }
  }
}
