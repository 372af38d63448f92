import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { FlagsService } from '../../flags/flags.service';

/**
 * Feature flag actor gates name users, groups and projects by id (`User:3`, `Group:9`,
 * `Project:12`, as Flipper does). Deleting one of them would leave a gate naming nobody and the
 * admin's intent lost without a word. So a delete is refused (409) while a gate names what it
 * would remove, saying which flags and actors; the admin removes those gates first with the
 * Features API (`POST /features/:name` with `value=false` and the actor), which the flags module
 * audits. Read through the flags module's public service (FlagsService), never its store.
 */
@Injectable()
export class FlagReferences {
  constructor(private readonly flags: FlagsService) {}

  /** `flag (actor, ...)` for every flag whose actor gate names one of `actors`. */
  naming(actors: readonly string[]): string[] {
    const wanted = new Set(actors);
    const found: string[] = [];
    for (const state of this.flags.list()) {
      const named = state.gates.actors.filter((a) => wanted.has(a));
      if (named.length > 0) found.push(`${state.name} (${named.join(', ')})`);
    }
    return found.sort();
  }

  /** 409 naming the flags whose actor gates name any of `actors`. */
  refuseIfNamed(what: string, actors: readonly string[]): void {
    const found = this.naming(actors);
    if (found.length === 0) return;
    const list = found.slice(0, 20).join(', ') + (found.length > 20 ? ', ...' : '');
    throw new DomainError(
      'conflict',
      `${what} is named by feature flag actor gates: ${list}. Remove those gates first ` +
        '(POST /api/v4/features/:name with value=false and the user, group or project)',
    );
  }
}
