import type { Principal } from '../common/auth/principal';
import type { FlagsService } from '../flags/flags.service';

/** Set when a decision was made from stale flags or cached identity (degraded mode). */
export const STALE_HEADER = 'x-switchboard-decision-stale';

/** What a decision was made from that is stale: `flags`, `identity` (the header's value). */
export function staleSources(
  flags: Pick<FlagsService, 'isStale'>,
  p: Principal,
  seat: { stale?: boolean },
): string[] {
  return [...(flags.isStale() ? ['flags'] : []), ...(p.degraded || seat.stale ? ['identity'] : [])];
}
