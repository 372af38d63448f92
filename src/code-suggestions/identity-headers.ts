import type { AuthenticatedUser } from '../common/auth/principal';
import type { SeatContext } from '../identity/seats/seats.service';
import type { InstanceSettingsRecord } from '../identity/settings/settings.repository';

import { deploymentTypeOf, realmOf } from '../identity/settings/realm';

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
interface Memo {
  from: IdentityInput;
  headers: Headers;
  /** The last upstream call's identity, flag and Authorization headers (see upstreamCallHeaders). */
  lastCall?: { decisionKey: string; token: string; headers: Headers };
}
/** Per seat context (cached per user by SeatsService): the headers, and what they were made from. */
const memo = new WeakMap<SeatContext, Memo>();

/**
 * The identity headers of every upstream call (CONTRACT.md section 2) but the enabled-flags one;
 * the same set goes to the IDE in a direct-access answer. The gateway checks them against the
 * token's claims. Computed once per user's seat context and settings, not per request.
 */
function userIdentity(input: IdentityInput): Memo {
  const hit = memo.get(input.seat);
  if (
    hit &&
    hit.from.settings === input.settings &&
    hit.from.user.globalUserId === input.user.globalUserId &&
    hit.from.gitlabVersion === input.gitlabVersion
  )
    return hit;
  const headers: Headers = {
    'X-Gitlab-Authentication-Type': 'oidc',
    'X-Gitlab-Instance-Id': input.settings.instanceId,
    'X-Gitlab-Realm': realmOf(input.settings),
    'X-Gitlab-Deployment-Type': deploymentTypeOf(input.settings),
    'X-Gitlab-Global-User-Id': input.user.globalUserId,
    'X-Gitlab-Host-Name': input.settings.hostName,
    'X-Gitlab-Version': input.gitlabVersion,
    'X-Gitlab-Feature-Enabled-By-Namespace-Ids': input.seat.groups.map((g) => g.id).join(','),
    'X-Gitlab-Feature-Enablement-Type': featureEnablementType(input.seat),
  };
  const entry: Memo = { from: input, headers };
  memo.set(input.seat, entry);
  return entry;
}

/** The identity headers with the decision's enabled flags (a comma-separated list). */
export function identityHeaders(
  input: IdentityInput,
  enabledFlags: string,
): Record<string, string> {
  return {
    ...userIdentity(input).headers,
    'x-gitlab-enabled-feature-flags': enabledFlags,
    'X-Gitlab-Model-Prompt-Cache-Enabled': 'true',
  };
}

/**
 * The headers of an upstream call that depend only on the user, the routing decision and the
 * upstream token: the identity headers, the enabled flags and Authorization. A user's calls
 * mostly share all three, so the last set is kept per user (one slot: a new decision or token
 * replaces it) instead of being rebuilt for every completion.
 */
export function upstreamCallHeaders(
  input: IdentityInput,
  decisionKey: string,
  enabledFlags: () => string,
  token: string,
): Headers {
  const entry = userIdentity(input);
  const last = entry.lastCall;
  if (last && last.decisionKey === decisionKey && last.token === token) return last.headers;
  const headers = {
    ...identityHeaders(input, enabledFlags()),
    Authorization: `Bearer ${token}`,
  };
  entry.lastCall = { decisionKey, token, headers };
  return headers;
}
