import { api } from './api';

/** One Features API call the console may make, described before it is made. */
export interface FlagChange {
  flag: string;
  /** What the admin asked for, e.g. "Enable for users demo, ada". */
  title: string;
  /** Who it reaches, e.g. "about 25 of the 100 users with a seat". */
  effect: string;
  body: Record<string, unknown> | null;
}

export type ChangeKind =
  | 'enable'
  | 'disable'
  | 'users'
  | 'groups'
  | 'projects'
  | 'feature_group'
  | 'percentage_of_actors'
  | 'percentage_of_time'
  | 'remove';

export const CHANGE_LABELS: Record<ChangeKind, string> = {
  enable: 'Enable for everyone',
  disable: 'Disable for everyone',
  users: 'Enable for users',
  groups: 'Enable for groups',
  projects: 'Enable for projects',
  feature_group: 'Enable for a feature group',
  percentage_of_actors: 'Sticky percentage of users',
  percentage_of_time: 'Percentage of requests',
  remove: 'Remove all gates (back to the default)',
};

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const about = (pct: number, seated: number) => Math.round((seated * pct) / 100);

/** Builds the change and the sentence the confirmation shows. `enable=false` removes actors. */
export function describeChange(
  flag: string,
  kind: ChangeKind,
  input: string,
  seated: number,
  enable = true,
  reached?: number,
): FlagChange {
  const of = `of the ${seated} users with a seat`;
  const verb = enable ? 'Enable' : 'Disable';
  switch (kind) {
    case 'enable':
      return {
        flag,
        title: 'Enable for everyone',
        effect: `all ${seated} users with a seat`,
        body: { value: true },
      };
    case 'disable':
      return { flag, title: 'Disable for everyone', effect: `none ${of}`, body: { value: false } };
    case 'users': {
      const names = list(input);
      return {
        flag,
        title: `${verb} for users ${names.join(', ')}`,
        effect: `about ${names.length} ${of} (users without a seat get no suggestions either way)`,
        body: { value: enable, user: names.join(',') },
      };
    }
    case 'groups':
      return {
        flag,
        title: `${verb} for groups ${list(input).join(', ')}`,
        effect: `about ${reached ?? '?'} ${of} (those whose seat comes from ${list(input).join(', ')})`,
        body: { value: enable, group: list(input).join(',') },
      };
    case 'projects':
      return {
        flag,
        title: `${verb} for projects ${list(input).join(', ')}`,
        effect: `requests made in ${list(input).join(', ')}: about ${reached ?? '?'} ${of} are members there`,
        body: { value: enable, project: list(input).join(',') },
      };
    case 'feature_group':
      return {
        flag,
        title: `${verb} for feature group ${input}`,
        effect: `the users in feature group ${input}: at most the ${seated} users with a seat`,
        body: { value: enable, feature_group: input },
      };
    case 'percentage_of_actors':
    case 'percentage_of_time': {
      const pct = Number(input);
      const sticky = kind === 'percentage_of_actors';
      return {
        flag,
        title: `${sticky ? 'Sticky percentage of users' : 'Percentage of requests'}: ${pct}%`,
        effect: sticky
          ? `about ${about(pct, seated)} ${of} (the same users each time)`
          : `about ${pct}% of requests from any of the ${seated} users with a seat`,
        body: { value: pct, key: kind },
      };
    }
    case 'remove':
      return {
        flag,
        title: 'Remove all gates',
        effect: `back to the flag's default for all ${seated} users with a seat`,
        body: null,
      };
  }
}

export function applyChange(c: FlagChange): Promise<unknown> {
  const path = `/api/v4/features/${encodeURIComponent(c.flag)}`;
  return c.body ? api('POST', path, c.body) : api('DELETE', path);
}

/** For group and project gates: how many seated users they reach (asked of the server). */
export async function reachOf(kind: ChangeKind, input: string): Promise<number | undefined> {
  if (kind !== 'groups' && kind !== 'projects') return undefined;
  const field = kind === 'groups' ? 'group' : 'project';
  const r = await api<{ reached: number }>(
    'GET',
    `/api/v4/admin/console/reach?${new URLSearchParams({ [field]: list(input).join(',') }).toString()}`,
  );
  return r.reached;
}
