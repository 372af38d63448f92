/**
 * What the other processes of the fleet say about their circuit breakers. Direct access hands
 * out one-hour tokens, so it is forbidden while ANY process has the model's breaker open.
 */
export interface FleetBreakers {
  /** This process's breaker for `upstream` (provider/model) changed. */
  report(upstream: string, closed: boolean): void;
  /** True while another process of the fleet reports `upstream`'s breaker as not closed. */
  openElsewhere(upstream: string): boolean;
}

export const FLEET_BREAKERS = Symbol('FLEET_BREAKERS');
