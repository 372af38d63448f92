import type { ApiClient } from './api-client';
import { ParsedArgs, UsageError } from './args';

type Handler = (api: ApiClient, args: ParsedArgs) => Promise<unknown>;

/**
 * ChatOps form: `feature set NAME true|false|N [--actors] [--user=a,b] [--group=path]
 * [--project=path] [--namespace=path] [--feature-group=name]`, mapped onto the Features API
 * exactly as GitLab's chatops does (a bare N is percentage_of_time; `--actors` makes it
 * percentage_of_actors).
 */
export function featureSetBody(
  positional: string[],
  o: Record<string, string>,
): Record<string, unknown> {
  const value = positional[1];
  if (value === undefined) throw new UsageError('feature set NAME true|false|N');
  const body: Record<string, unknown> = { value };
  if (/^\d+$/.test(value))
    body.key = o.actors === 'true' ? 'percentage_of_actors' : 'percentage_of_time';
  else if (value !== 'true' && value !== 'false')
    throw new UsageError('value must be true, false or a percentage');
  else if (o.actors === 'true') throw new UsageError('--actors needs a percentage value');
  const targets: Record<string, string> = {
    user: 'user',
    group: 'group',
    project: 'project',
    namespace: 'namespace',
    'feature-group': 'feature_group',
  };
  for (const [flag, param] of Object.entries(targets))
    if (o[flag] !== undefined) body[param] = o[flag];
  return body;
}

const name = (p: string[]) => {
  if (!p[0]) throw new UsageError('a flag name is required');
  return encodeURIComponent(p[0]);
};

export const adminCommands: Record<string, Handler> = {
  'feature set': (api, { positional, options }) =>
    api.call('POST', `/api/v4/features/${name(positional)}`, featureSetBody(positional, options)),
  'feature get': (api, { positional }) => api.call('GET', `/api/v4/features/${name(positional)}`),
  'feature delete': (api, { positional }) =>
    api.call('DELETE', `/api/v4/features/${name(positional)}`),
  'feature list': (api) => api.call('GET', '/api/v4/features'),
  'feature evaluate': (api, { positional, options }) => {
    if (!options.user) throw new UsageError('--user is required');
    const q = new URLSearchParams({
      user: options.user,
      ...(options.project ? { project: options.project } : {}),
    });
    return api.call('GET', `/api/v4/features/${name(positional)}/evaluate?${q.toString()}`);
  },
  'keys rotate': (api) => api.call('POST', '/api/v4/admin/signing_keys/rotate'),
  'keys list': (api) => api.call('GET', '/api/v4/admin/signing_keys'),
  'routing explain': (api, { options }) => {
    if (!options.user) throw new UsageError('--user is required');
    const q = new URLSearchParams({
      user: options.user,
      ...(options.project ? { project_path: options.project } : {}),
    });
    return api.call('GET', `/api/v4/code_suggestions/routing?${q.toString()}`);
  },
};
