import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { z } from 'zod';
import { FLAG_KEYS, FLAG_TYPES, FlagType } from './flag-keys';

export interface FlagDefinition {
  readonly name: string;
  readonly type: FlagType;
  readonly defaultEnabled: boolean;
  readonly description: string | null;
  readonly rolloutIssueUrl: string | null;
  /** GitLab's definition fields, shown by the Features API as GitLab shows them. */
  readonly introducedByUrl: string | null;
  readonly featureIssueUrl: string | null;
  readonly logStateChanges: boolean | null;
  readonly milestone: string | null;
  readonly group: string | null;
  readonly path: string;
}

export class FlagDefinitionError extends Error {}

const definitionSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]{1,127}$/, 'must be snake_case'),
  description: z.string().nullish(),
  type: z.enum(FLAG_TYPES),
  default_enabled: z.boolean(),
  rollout_issue_url: z.string().url().nullish(),
  introduced_by_url: z.string().url().nullish(),
  feature_issue_url: z.string().url().nullish(),
  milestone: z.union([z.string(), z.number()]).nullish(),
  group: z.string().nullish(),
  log_state_changes: z.boolean().nullish(),
});

/**
 * Reads `<dir>/<type>/<name>.yml`. Any file that does not parse or validate stops the start
 * with its path; the folder must match the type and the file name the flag name.
 */
export function loadFlagDefinitions(dir: string): ReadonlyMap<string, FlagDefinition> {
  if (!fs.existsSync(dir)) throw new FlagDefinitionError(`feature flag folder not found: ${dir}`);
  const out = new Map<string, FlagDefinition>();
  for (const typeDir of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!typeDir.isDirectory()) continue;
    for (const file of fs.readdirSync(path.join(dir, typeDir.name))) {
      if (!/\.ya?ml$/.test(file)) continue;
      const full = path.join(dir, typeDir.name, file);
      const def = parseDefinition(full, typeDir.name, file.replace(/\.ya?ml$/, ''));
      if (out.has(def.name))
        throw new FlagDefinitionError(`${full}: flag ${def.name} is defined twice`);
      out.set(def.name, def);
    }
  }
  for (const key of FLAG_KEYS) {
    if (!out.has(key))
      throw new FlagDefinitionError(
        `flag ${key} is used by the code but has no definition in ${dir}`,
      );
  }
  return out;
}

function parseDefinition(full: string, folder: string, base: string): FlagDefinition {
  let raw: unknown;
  try {
    raw = yaml.load(fs.readFileSync(full, 'utf8'));
  } catch (err) {
    throw new FlagDefinitionError(
      `${full}: not valid YAML: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const parsed = definitionSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new FlagDefinitionError(`${full}: ${i.path.join('.') || '(file)'} ${i.message}`);
  }
  const d = parsed.data;
  if (d.type !== folder)
    throw new FlagDefinitionError(`${full}: type ${d.type} does not match folder ${folder}`);
  if (d.name !== base)
    throw new FlagDefinitionError(`${full}: name ${d.name} does not match the file name`);
  return {
    name: d.name,
    type: d.type,
    defaultEnabled: d.default_enabled,
    description: d.description ?? null,
    rolloutIssueUrl: d.rollout_issue_url ?? null,
    introducedByUrl: d.introduced_by_url ?? null,
    featureIssueUrl: d.feature_issue_url ?? null,
    logStateChanges: d.log_state_changes ?? null,
    milestone: d.milestone == null ? null : String(d.milestone),
    group: d.group ?? null,
    path: full,
  };
}
