import type { Context } from 'unleash-client/lib/context';
import { Strategy } from 'unleash-client/lib/strategy';
import { ACTORS_STRATEGY, CONTEXT_FIELDS } from './gates';

/**
 * Flipper's actor gate as one unleash-client strategy: on when any actor of the request (user,
 * seat groups, project, instance) is in the comma-separated `actors` parameter. A constraint
 * (STR_CONTAINS) scans every listed value per evaluation (1,000 actors: ~50x slower than one)
 * and Unleash caps a constraint at 250 values; this looks each request actor up in a Set built
 * once per parameter list, so the cost does not grow with the list.
 */
export class ActorsStrategy extends Strategy {
  /** Keyed by the parameters object unleash-client holds for the loaded toggle. */
  private readonly sets = new WeakMap<object, ReadonlySet<string>>();

  constructor() {
    super(ACTORS_STRATEGY);
  }

  override isEnabled(parameters: Record<string, unknown>, context: Context): boolean {
    let set = this.sets.get(parameters);
    if (!set) {
      const list = typeof parameters.actors === 'string' ? parameters.actors : '';
      set = new Set(list.split(',').filter((a) => a.length > 0));
      this.sets.set(parameters, set);
    }
    const actors = context[CONTEXT_FIELDS.actors] ?? context.properties?.[CONTEXT_FIELDS.actors];
    if (typeof actors !== 'string') return false;
    // `,User:1,Group:9,` (a handful of entries): split is cheaper than any index over the list.
    for (const actor of actors.split(',')) if (actor.length > 0 && set.has(actor)) return true;
    return false;
  }
}
