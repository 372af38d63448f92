import type { UserRecord } from './users/users.repository';
import type { TokenRecord } from './tokens/tokens.repository';
import { isExpired } from './tokens/tokens.service';

/** GitLab API shapes (snake_case), shared by the identity controllers. */
export function presentUser(u: UserRecord, opts: { withEmail?: boolean } = {}) {
  return {
    id: u.id,
    username: u.username,
    name: u.name,
    state: u.state,
    locked: false,
    avatar_url: null,
    web_url: null,
    created_at: u.createdAt.toISOString(),
    is_admin: u.admin,
    bot: false,
    ...(opts.withEmail ? { email: u.email } : {}),
  };
}

/** GitLab's member object: the user with the membership's access level and dates. */
export function presentMember(m: { user: UserRecord; accessLevel: number; createdAt: Date }) {
  return {
    ...presentUser(m.user),
    access_level: m.accessLevel,
    created_at: m.createdAt.toISOString(),
    expires_at: null,
  };
}

export const isoDate = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

export function presentToken(t: TokenRecord) {
  return {
    id: t.id,
    name: t.name,
    revoked: t.revoked,
    created_at: t.createdAt.toISOString(),
    description: null,
    scopes: t.scopes,
    user_id: t.userId,
    last_used_at: t.lastUsedAt ? t.lastUsedAt.toISOString() : null,
    active: !t.revoked && !isExpired(t.expiresAt),
    expires_at: isoDate(t.expiresAt),
  };
}
