import type { ApiClient } from './api-client';
import { Command, UsageError } from './args';

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

export const adminCommands: Record<string, Command<ApiClient>> = {
  'feature set': {
    help: 'NAME true|false|PERCENT [--actors] [--user=a,b] [--group=PATH] [--project=PATH] [--namespace=PATH] [--feature-group=NAME]\nTurn a flag on or off, for everyone or for the actors named; a number is a percentage of time\n(of actors with --actors), as GitLab ChatOps does.',
    options: ['actors', 'user', 'group', 'project', 'namespace', 'feature-group'],
    run: (api, { positional, options }) =>
      api.call('POST', `/api/v4/features/${name(positional)}`, featureSetBody(positional, options)),
  },
  'feature get': {
    help: 'NAME\nShow a flag and its gates.',
    options: [],
    run: (api, { positional }) => api.call('GET', `/api/v4/features/${name(positional)}`),
  },
  'feature delete': {
    help: "NAME\nRemove a flag's gates: it goes back to its default.",
    options: [],
    run: (api, { positional }) => api.call('DELETE', `/api/v4/features/${name(positional)}`),
  },
  'feature list': {
    help: '\nList the flags that have gates set.',
    options: [],
    run: (api) => api.call('GET', '/api/v4/features'),
  },
  'feature evaluate': {
    help: 'NAME --user=USERNAME [--project=PATH]\nWhether the flag is on for a user (and project), and why.',
    options: ['user', 'project'],
    run: (api, { positional, options }) => {
      if (!options.user) throw new UsageError('--user is required');
      const q = new URLSearchParams({
        user: options.user,
        ...(options.project ? { project: options.project } : {}),
      });
      return api.call('GET', `/api/v4/features/${name(positional)}/evaluate?${q.toString()}`);
    },
  },
  'keys rotate': {
    help:
      '[--activate-in-seconds=N] [--immediate]\nCreate a new signing key, published at once. It signs once the gateway has ' +
      'refetched our keys (its JWKS cache time, GATEWAY_JWKS_CACHE_SECONDS, 24 h by default), or after N seconds ' +
      '(N >= that time). --immediate (a compromised key): it signs at once (or after N), and the answer names the ' +
      'gateways that refuse its tokens until they refetch.',
    options: ['activate-in-seconds', 'immediate'],
    run: (api, { options }) => {
      const delay = options['activate-in-seconds'];
      if (delay !== undefined && !/^\d+$/.test(delay))
        throw new UsageError('--activate-in-seconds must be a whole number of seconds');
      const immediate = options.immediate;
      if (immediate !== undefined && immediate !== 'true')
        throw new UsageError('--immediate takes no value');
      const body = {
        ...(delay === undefined ? {} : { activate_in_seconds: Number(delay) }),
        ...(immediate ? { immediate: true } : {}),
      };
      return api.call('POST', '/api/v4/admin/signing_keys/rotate', body);
    },
  },
  'keys list': {
    help: '\nList the signing keys (never their material).',
    options: [],
    run: (api) => api.call('GET', '/api/v4/admin/signing_keys'),
  },
  'routing explain': {
    help: '--user=USERNAME [--project=PATH]\nWhy the user gets the model and endpoint they get.',
    options: ['user', 'project'],
    run: (api, { options }) => {
      if (!options.user) throw new UsageError('--user is required');
      const q = new URLSearchParams({
        user: options.user,
        ...(options.project ? { project_path: options.project } : {}),
      });
      return api.call('GET', `/api/v4/code_suggestions/routing?${q.toString()}`);
    },
  },
};
