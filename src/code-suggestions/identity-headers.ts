import type { AuthenticatedUser } from '../common/auth/principal';
import type { SeatContext } from '../identity/seats/seats.service';
import type { InstanceSettingsRecord } from '../identity/settings/settings.repository';

import { realmOf } from '../identity/settings/realm';

/** The realm mapping has one home (identity/settings/realm.ts); re-exported for this module's users. */
export { realmOf };

/** `duo_enterprise` when any of the user's seat groups has it, else `duo_pro`. */
export function featureEnablementType(seat: SeatContext): 'duo_enterprise' | 'duo_pro' {
  return seat.groups.some((g) => g.addOn === 'duo_enterprise') ? 'duo_enterprise' : 'duo_pro';
}

export interface IdentityInput {
  user: AuthenticatedUser;
  settings: InstanceSettingsRecord;
  seat: SeatContext;
  gitlabVersion: string;
}

type Headers = Readonly<Record<string, string>>;
/** Per seat context (cached per user by SeatsService): the headers, and what they were made from. */
const memo = new WeakMap<SeatContext, { from: IdentityInput; headers: Headers }>();

/**
 * The identity headers of every upstream call (CONTRACT.md section 2) but the enabled-flags one;
 * the same set goes to the IDE in a direct-access answer. The gateway checks them against the
 * token's claims. Computed once per user's seat context and settings, not per request.
 */
function userIdentityHeaders(input: IdentityInput): Headers {
  const hit = memo.get(input.seat);
  if (
    hit &&
    hit.from.settings === input.settings &&
    hit.from.user.globalUserId === input.user.globalUserId &&
    hit.from.gitlabVersion === input.gitlabVersion
  )
    return hit.headers;
  const headers: Headers = {
    'X-Gitlab-Authentication-Type': 'oidc',
    'X-Gitlab-Instance-Id': input.settings.instanceId,
    'X-Gitlab-Realm': realmOf(input.settings),
    'X-Gitlab-Global-User-Id': input.user.globalUserId,
    'X-Gitlab-Host-Name': input.settings.hostName,
    'X-Gitlab-Version': input.gitlabVersion,
    'X-Gitlab-Feature-Enabled-By-Namespace-Ids': input.seat.groups.map((g) => g.id).join(','),
    'X-Gitlab-Feature-Enablement-Type': featureEnablementType(input.seat),
  };
  memo.set(input.seat, { from: input, headers });
  return headers;
}

/** The identity headers with the decision's enabled flags (a comma-separated list). */
export function identityHeaders(
  input: IdentityInput,
  enabledFlags: string,
): Record<string, string> {
  return {
    ...userIdentityHeaders(input),
    'x-gitlab-enabled-feature-flags': enabledFlags,
    'X-Gitlab-Model-Prompt-Cache-Enabled': 'true',
  };
}
