import type { ApiClient } from './api-client';
import { Command, ParsedArgs, required, UsageError } from './args';

type Handler = (api: ApiClient, args: ParsedArgs) => Promise<unknown>;

/** Passed through as typed: the server reads it with Grape's Boolean (`true`, `1`, `yes`, ...)
 * and answers 400 naming the option for anything else, rather than this turning it into false. */
const bool = (v: string | undefined) => v;
const num = (v: string | undefined, name: string) => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a number`);
  return Number(v);
};

async function userId(api: ApiClient, ref: string): Promise<number> {
  if (/^\d+$/.test(ref)) return Number(ref);
  const found = await api.call<Array<{ id: number }>>(
    'GET',
    `/api/v4/users?username=${encodeURIComponent(ref)}`,
  );
  if (found.length === 0) throw new UsageError(`no user named ${ref}`);
  return found[0].id;
}

const cmd = (help: string, options: string[], run: Handler): Command<ApiClient> => ({
  help,
  options,
  run,
});

export const identityCommands: Record<string, Command<ApiClient>> = {
  'user create': cmd(
    '--username=NAME [--name="Full Name"] [--email=E] [--admin]\nCreate a user (--name defaults to the username).',
    ['username', 'name', 'email', 'admin'],
    (api, { options: o }) =>
      api.call('POST', '/api/v4/users', {
        username: required(o, 'username'),
        name: o.name ?? required(o, 'username'),
        email: o.email,
        admin: bool(o.admin),
      }),
  ),
  'user list': cmd(
    '[--username=NAME]\nList users, or find one by username.',
    ['username'],
    (api, { options: o }) =>
      api.all(`/api/v4/users${o.username ? `?username=${encodeURIComponent(o.username)}` : ''}`),
  ),
  'user block': cmd(
    'USER (id or username)\nBlock a user: their tokens stop working.',
    [],
    async (api, { positional: [ref] }) =>
      api.call('PUT', `/api/v4/users/${await userId(api, ref)}`, { state: 'blocked' }),
  ),
  'user unblock': cmd(
    'USER (id or username)\nUnblock a user.',
    [],
    async (api, { positional: [ref] }) =>
      api.call('POST', `/api/v4/users/${await userId(api, ref)}/unblock`),
  ),
  'user deactivate': cmd(
    'USER (id or username)\nDeactivate a user: their tokens stop working until `user activate`.',
    [],
    async (api, { positional: [ref] }) =>
      api.call('POST', `/api/v4/users/${await userId(api, ref)}/deactivate`),
  ),
  'user activate': cmd(
    'USER (id or username)\nActivate a deactivated user.',
    [],
    async (api, { positional: [ref] }) =>
      api.call('POST', `/api/v4/users/${await userId(api, ref)}/activate`),
  ),
  'user delete': cmd(
    'USER (id or username)\nDelete a user with their tokens, memberships and seats (audited).',
    [],
    async (api, { positional: [ref] }) =>
      api.call('DELETE', `/api/v4/users/${await userId(api, ref)}`),
  ),
  'token rotate': cmd(
    'TOKEN_ID [--expires-at=YYYY-MM-DD]\nA new secret for the token (shown once); the old one is revoked.',
    ['expires-at'],
    (api, { positional: [id], options: o }) =>
      api.call('POST', `/api/v4/personal_access_tokens/${id}/rotate`, {
        expires_at: o['expires-at'],
      }),
  ),
  'token create': cmd(
    '--user=USER --name=NAME [--scopes=api,ai_features] [--expires-at=YYYY-MM-DD]\nCreate a personal access token for a user; the secret is shown once.',
    ['user', 'name', 'scopes', 'expires-at'],
    async (api, { options: o }) =>
      api.call(
        'POST',
        `/api/v4/users/${await userId(api, required(o, 'user'))}/personal_access_tokens`,
        {
          name: required(o, 'name'),
          scopes: (o.scopes ?? 'api').split(','),
          expires_at: o['expires-at'],
        },
      ),
  ),
  'token revoke': cmd(
    'TOKEN_ID\nRevoke a personal access token.',
    [],
    (api, { positional: [id] }) => api.call('DELETE', `/api/v4/personal_access_tokens/${id}`),
  ),
  'group create': cmd(
    '--name=NAME [--path=PATH] [--parent=GROUP_ID]\nCreate a group (a subgroup with --parent).',
    ['name', 'path', 'parent'],
    (api, { options: o }) =>
      api.call('POST', '/api/v4/groups', {
        name: required(o, 'name'),
        path: o.path ?? required(o, 'name'),
        parent_id: num(o.parent, 'parent'),
      }),
  ),
  'group list': cmd('\nList groups.', [], (api) => api.all('/api/v4/groups')),
  'group update': cmd(
    'GROUP_ID [--name=NAME] [--duo-features-enabled=true|false] [--direct-code-suggestions-enabled=true|false]\nChange a group.',
    ['name', 'duo-features-enabled', 'direct-code-suggestions-enabled'],
    (api, { positional: [id], options: o }) =>
      api.call('PUT', `/api/v4/groups/${id}`, {
        name: o.name,
        duo_features_enabled: bool(o['duo-features-enabled']),
        direct_code_suggestions_enabled: bool(o['direct-code-suggestions-enabled']),
      }),
  ),
  'group add-member': cmd(
    'GROUP_ID --user=USER [--access-level=30]\nAdd a user to a group (access level 30 = developer).',
    ['user', 'access-level'],
    async (api, { positional: [id], options: o }) =>
      api.call('POST', `/api/v4/groups/${id}/members`, {
        user_id: await userId(api, required(o, 'user')),
        access_level: num(o['access-level'], 'access-level'),
      }),
  ),
  'group remove-member': cmd(
    'GROUP_ID --user=USER\nRemove a user from a group (seats that membership gave end too).',
    ['user'],
    async (api, { positional: [id], options: o }) =>
      api.call('DELETE', `/api/v4/groups/${id}/members/${await userId(api, required(o, 'user'))}`),
  ),
  'group delete': cmd(
    'GROUP_ID\nDelete a group with its subgroups, projects and add-on purchases (audited).',
    [],
    (api, { positional: [id] }) => api.call('DELETE', `/api/v4/groups/${encodeURIComponent(id)}`),
  ),
  'project delete': cmd(
    'PROJECT_ID\nDelete a project with its memberships (audited).',
    [],
    (api, { positional: [id] }) => api.call('DELETE', `/api/v4/projects/${encodeURIComponent(id)}`),
  ),
  'project create': cmd(
    '--name=NAME --namespace=GROUP_ID [--path=PATH]\nCreate a project in a group.',
    ['name', 'path', 'namespace'],
    (api, { options: o }) =>
      api.call('POST', '/api/v4/projects', {
        name: required(o, 'name'),
        path: o.path,
        namespace_id: num(required(o, 'namespace'), 'namespace'),
      }),
  ),
  'seat purchase': cmd(
    'GROUP_ID --quantity=N [--add-on=duo_pro|duo_enterprise] [--starts-at=YYYY-MM-DD] [--expires-at=YYYY-MM-DD]\nBuy N seats of a Duo add-on for a top-level group; prints the purchase and its id.',
    ['add-on', 'quantity', 'starts-at', 'expires-at'],
    (api, { positional: [group], options: o }) =>
      api.call('POST', `/api/v4/groups/${group}/add_on_purchases`, {
        add_on: o['add-on'] ?? 'duo_pro',
        quantity: num(required(o, 'quantity'), 'quantity'),
        starts_at: o['starts-at'],
        expires_at: o['expires-at'],
      }),
  ),
  'seat assign': cmd(
    'GROUP_ID PURCHASE_ID --user=USER\nGive USER (id or username) a seat of the purchase PURCHASE_ID of group GROUP_ID\n(`seat purchase` prints the purchase id).',
    ['user'],
    async (api, { positional: [group, purchase], options: o }) =>
      api.call('POST', `/api/v4/groups/${group}/add_on_purchases/${purchase}/assignments`, {
        user_id: await userId(api, required(o, 'user')),
      }),
  ),
  'seat remove': cmd(
    'GROUP_ID PURCHASE_ID --user=USER\nTake the seat of the purchase PURCHASE_ID of group GROUP_ID away from USER.',
    ['user'],
    async (api, { positional: [group, purchase], options: o }) =>
      api.call('DELETE', `/api/v4/groups/${group}/add_on_purchases/${purchase}/assignments`, {
        user_id: await userId(api, required(o, 'user')),
      }),
  ),
  'settings get': cmd('\nShow the instance settings.', [], (api) =>
    api.call('GET', '/api/v4/application/settings'),
  ),
  'settings set': cmd(
    'KEY=VALUE...\nChange instance settings, e.g. `settings set gitlab_realm=self-managed`.',
    [],
    (api, { positional }) => {
      const body: Record<string, unknown> = {};
      for (const kv of positional) {
        const [k, ...rest] = kv.split('=');
        const v = rest.join('=');
        body[k] = v === 'true' ? true : v === 'false' ? false : v === 'null' ? null : v;
      }
      return api.call('PUT', '/api/v4/application/settings', body);
    },
  ),
};
