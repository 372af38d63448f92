import { z } from 'zod';
import { DomainError } from '../../common/errors/domain-error';
import { grapeBoolean } from '../../common/validation/grape-boolean';
import { parseOrThrow } from '../../common/validation/zod.pipe';

/** GitLab's `POST /features/:name` parameters (JSON or form encoded). */
export const setFeatureSchema = z.strictObject({
  value: z.union([z.boolean(), z.number(), z.string().max(20)]),
  key: z.enum(['percentage_of_actors', 'percentage_of_time']).optional(),
  feature_group: z.string().max(1000).optional(),
  user: z.string().max(5000).optional(),
  group: z.string().max(5000).optional(),
  namespace: z.string().max(5000).optional(),
  project: z.string().max(5000).optional(),
  repository: z.string().max(5000).optional(),
  instance: grapeBoolean,
  /** GitLab's: skip validation checks such as the YAML definition (set an undefined flag). */
  force: grapeBoolean,
  /** Ours (Unleash mode): let the write remove strategies made in Unleash (docs/unleash.md). */
  discard_unleash_strategies: grapeBoolean,
});
export type SetFeatureParams = z.output<typeof setFeatureSchema>;

/** `DELETE /features/:name` options (query string or body). */
export const removeFeatureSchema = z.strictObject({ discard_unleash_strategies: grapeBoolean });

/** Target fields: present but naming nobody must not fall through to "everyone". */
export const TARGET_FIELDS = ['user', 'group', 'namespace', 'project', 'feature_group'] as const;

/**
 * GitLab merges query string and body (python-gitlab sends extra keyword arguments such as
 * `key=` in the query string). The same field in both with different values is refused rather
 * than guessed.
 */
export function parseSetFeature(body: unknown, query: unknown): SetFeatureParams {
  const b = isRecord(body) ? body : {};
  const q = isRecord(query) ? query : {};
  for (const [field, v] of Object.entries(q)) {
    if (field in b && String(b[field]) !== String(v)) {
      throw DomainError.invalid(
        field,
        'is given in both the query string and the body with different values',
      );
    }
  }
  const params = parseOrThrow(setFeatureSchema, { ...q, ...b });
  for (const field of TARGET_FIELDS) {
    if (params[field] !== undefined && splitList(params[field]).length === 0) {
      throw DomainError.invalid(
        field,
        'is empty: name at least one, or leave it out to change the flag for everyone',
      );
    }
  }
  return params;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export type ParsedValue =
  { type: 'boolean'; enabled: boolean } | { type: 'percentage'; value: number };

export function parseValue(raw: SetFeatureParams['value']): ParsedValue {
  if (raw === true || raw === 'true') return { type: 'boolean', enabled: true };
  if (raw === false || raw === 'false') return { type: 'boolean', enabled: false };
  const n = typeof raw === 'number' ? raw : /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (Number.isNaN(n))
    throw DomainError.invalid('value', 'must be true, false or an integer percentage');
  if (!Number.isInteger(n))
    throw DomainError.invalid('value', 'must be a whole percentage (0-100)');
  if (n < 0 || n > 100) throw DomainError.invalid('value', 'must be between 0 and 100');
  return { type: 'percentage', value: n };
}

export const splitList = (s: string | undefined): string[] =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
