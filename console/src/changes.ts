import { api } from './api';
import type { ChangePreview } from './types';

/** One Features API call the console may make, described before it is made. */
export interface FlagChange {
  flag: string;
  /** What the admin asked for, e.g. "Enable for users demo, ada". */
  title: string;
  /** What the page knows beyond who it reaches, e.g. "direct access answers 403 meanwhile". */
  note?: string;
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
/** Builds the change (the confirmation asks the server what it does). `enable=false` removes actors. */
export function describeChange(
  flag: string,
  kind: ChangeKind,
  input: string,
  enable = true,
): FlagChange {
  const verb = enable ? 'Enable' : 'Disable';
  const names = list(input).join(', ');
  const actors = (field: string, what: string): FlagChange => ({
    flag,
    title: `${verb} for ${what} ${names}`,
    body: { value: enable, [field]: list(input).join(',') },
  });
  switch (kind) {
    case 'enable':
      return { flag, title: 'Enable for everyone', body: { value: true } };
    case 'disable':
      return { flag, title: 'Disable for everyone', body: { value: false } };
    case 'users':
      return actors('user', 'users');
    case 'groups':
      return actors('group', 'groups');
    case 'projects':
      return actors('project', 'projects');
    case 'feature_group':
      return {
        flag,
        title: `${verb} for feature group ${input}`,
        body: { value: enable, feature_group: input },
      };
    case 'percentage_of_actors':
    case 'percentage_of_time': {
      const sticky = kind === 'percentage_of_actors';
      return {
        flag,
        title: `${sticky ? 'Sticky percentage of users' : 'Percentage of requests'}: ${input}%`,
        // sent as typed: the server's validation (0-100, whole numbers) is the one that counts
        body: { value: input, key: kind },
      };
    }
    case 'remove':
      return { flag, title: 'Remove all gates', body: null };
  }
}

const featurePath = (flag: string) => `/api/v4/features/${encodeURIComponent(flag)}`;

export function applyChange(c: FlagChange): Promise<unknown> {
  return c.body ? api('POST', featurePath(c.flag), c.body) : api('DELETE', featurePath(c.flag));
}

/**
 * The same request as `applyChange`, as a dry run: the server validates it exactly as the change
 * (a bad value or an unknown user is the change's own 400) and says what it would do.
 */
export function previewChange(c: FlagChange): Promise<ChangePreview> {
  const path = `/api/v4/admin/console/preview/features/${encodeURIComponent(c.flag)}`;
  return c.body ? api('POST', path, c.body) : api('DELETE', path);
}
