/**
 * Each process's latest snapshot of what it observed (the console's traffic, breakers,
 * failovers), shared so one poll shows the whole fleet. A snapshot lives for a few seconds
 * after its last refresh: a process that went silent (died, lost Redis) ages out.
 */
export interface FleetSnapshots {
  /** This process in the fleet: `instance` (host and primary pid) and `process` (plus its pid). */
  readonly self: { instance: string; process: string };
  /** False without REDIS_URL: nobody else to publish for. */
  readonly shared: boolean;
  /** Replaces this process's snapshot (fire and forget). */
  publish(data: unknown): void;
  /** The other processes' live snapshots (none without shared state, or while Redis is down). */
  others(): Promise<{ instance: string; process: string; data: unknown }[]>;
}

export const FLEET_SNAPSHOTS = Symbol('FLEET_SNAPSHOTS');
