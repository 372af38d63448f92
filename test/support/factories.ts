import type { Api } from './test-app';

let seq = 0;
const unique = (p: string) => `${p}${Date.now().toString(36)}${(seq++).toString(36)}`;

export interface UserWithToken {
  id: number;
  username: string;
  token: string;
  tokenId: number;
}

async function ok<T>(
  p: Promise<{ status: number; body: T; text: string }>,
  expected = 201,
): Promise<T> {
  const r = await p;
  if (r.status !== expected) throw new Error(`expected ${expected}, got ${r.status}: ${r.text}`);
  return r.body;
}

/** Builders over the real admin API (no database shortcuts). */
export class Factory {
  constructor(
    private readonly api: Api,
    private readonly adminToken: string,
  ) {}

  async user(
    opts: { admin?: boolean; scopes?: string[]; expiresAt?: string } = {},
  ): Promise<UserWithToken> {
    const username = unique('user');
    const user = await ok<any>(
      this.api.call('POST', '/api/v4/users', {
        token: this.adminToken,
        body: { username, name: username, admin: opts.admin },
      }),
    );
    const t = await ok<any>(
      this.api.call('POST', `/api/v4/users/${user.id}/personal_access_tokens`, {
        token: this.adminToken,
        body: {
          name: 'ide',
          scopes: opts.scopes ?? ['api', 'ai_features'],
          expires_at: opts.expiresAt,
        },
      }),
    );
    return { id: user.id, username, token: t.token, tokenId: t.id };
  }

  async group(opts: { parentId?: number } = {}): Promise<{ id: number; full_path: string }> {
    const p = unique('g');
    return ok(
      this.api.call('POST', '/api/v4/groups', {
        token: this.adminToken,
        body: { name: p, path: p, parent_id: opts.parentId },
      }),
    );
  }

  /** `accessLevel`: GitLab's levels (10 guest … 50 owner); default developer. */
  async member(groupId: number, userId: number, accessLevel?: number): Promise<void> {
    await ok(
      this.api.call('POST', `/api/v4/groups/${groupId}/members`, {
        token: this.adminToken,
        body: { user_id: userId, access_level: accessLevel },
      }),
    );
  }

  async project(groupId: number): Promise<{ id: number; path_with_namespace: string }> {
    const p = unique('p');
    return ok(
      this.api.call('POST', '/api/v4/projects', {
        token: this.adminToken,
        body: { name: p, path: p, namespace_id: groupId },
      }),
    );
  }

  async purchase(groupId: number, quantity = 10, addOn = 'duo_pro'): Promise<{ id: number }> {
    return ok(
      this.api.call('POST', `/api/v4/groups/${groupId}/add_on_purchases`, {
        token: this.adminToken,
        body: { add_on: addOn, quantity },
      }),
    );
  }

  async assign(groupId: number, purchaseId: number, userId: number): Promise<void> {
    await ok(
      this.api.call(
        'POST',
        `/api/v4/groups/${groupId}/add_on_purchases/${purchaseId}/assignments`,
        { token: this.adminToken, body: { user_id: userId } },
      ),
    );
  }

  /** A user with a Duo Pro seat in a fresh top-level group (and a project in it). */
  async seatedUser(opts: { group?: { id: number; full_path: string }; purchaseId?: number } = {}) {
    const user = await this.user();
    const group = opts.group ?? (await this.group());
    await this.member(group.id, user.id);
    const purchaseId = opts.purchaseId ?? (await this.purchase(group.id)).id;
    await this.assign(group.id, purchaseId, user.id);
    const project = await this.project(group.id);
    return { user, group, purchaseId, project };
  }

  async setFlag(name: string, body: Record<string, unknown>): Promise<any> {
    return ok(this.api.call('POST', `/api/v4/features/${name}`, { token: this.adminToken, body }));
  }
}
