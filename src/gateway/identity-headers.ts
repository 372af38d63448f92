import type { AuthenticatedUser } from '../common/auth/principal';
import type { InstanceSettingsRecord } from '../identity/settings/settings.repository';
import type { SeatContext } from '../identity/seats/seats.service';

export const realmOf = (s: InstanceSettingsRecord): 'saas' | 'self-managed' =>
  s.gitlabRealm === 'self_managed' ? 'self-managed' : 'saas';

/**
 * The identity headers of every upstream call (CONTRACT.md section 2); the same set goes to the
 * IDE in a direct-access answer. The gateway checks them against the token's claims.
 */
export function identityHeaders(input: {
  user: AuthenticatedUser;
  settings: InstanceSettingsRecord;
  seat: SeatContext;
  gitlabVersion: string;
  enabledFlags: readonly string[];
}): Record<string, string> {
  const addOns = [...new Set(input.seat.groups.map((g) => g.addOn))];
  return {
    'X-Gitlab-Authentication-Type': 'oidc',
    'X-Gitlab-Instance-Id': input.settings.instanceId,
    'X-Gitlab-Realm': realmOf(input.settings),
    'X-Gitlab-Global-User-Id': input.user.globalUserId,
    'X-Gitlab-Host-Name': input.settings.hostName,
    'X-Gitlab-Version': input.gitlabVersion,
    'X-Gitlab-Feature-Enabled-By-Namespace-Ids': input.seat.groups.map((g) => g.id).join(','),
    'X-Gitlab-Feature-Enablement-Type': addOns.includes('duo_enterprise')
      ? 'duo_enterprise'
      : (addOns[0] ?? 'duo_pro'),
    'x-gitlab-enabled-feature-flags': input.enabledFlags.join(','),
    'X-Gitlab-Model-Prompt-Cache-Enabled': 'true',
  };
}
