import { z } from 'zod';
import { POST_PROCESS_STEPS, PROMPT_FORMATS } from './routing.types';

/** Shape of config/models.yml. Cross references (model keys, flags) are checked in model-catalogue.ts. */

const key = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be a lower-case key (a-z 0-9 . _ -)');
const flagName = z.string().regex(/^[a-z][a-z0-9_]{1,127}$/, 'must be a snake_case flag name');

const modelSchema = z.strictObject({
  key,
  provider: z.string().min(1).max(50),
  name: z.string().min(1).max(50),
  /** The gateway's name for the model (`models.yml` gitlab_identifier), for v4 model_metadata. */
  gitlab_identifier: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'must be a gateway identifier (a-z 0-9 _ . -)')
    .optional(),
  prompt_version: z.union([z.literal(1), z.literal(2), z.literal(3)], {
    error: 'must be 1, 2 or 3',
  }),
  prompt_format: z.enum(PROMPT_FORMATS),
  stop_tokens: z.array(z.string().min(1)).max(20).default([]),
  post_processing: z.array(z.enum(POST_PROCESS_STEPS)).default([]),
  max_tokens: z.number().int().positive().optional(),
  max_input_chars: z.number().int().positive().max(400_000).default(50_000),
});

/**
 * The acceptance check (docs/rollout-guard.md): the beta arm's acceptance rate against its
 * control's, an always-valid test at level `alpha`; harm is a drop surely larger than `max_drop`.
 */
const acceptanceGuardSchema = z.strictObject({
  /** Each arm must have shown this many suggestions before the guard decides (normal approximation). */
  min_shown: z.number().int().min(30).max(10_000_000).default(200),
  /** The largest acceptable absolute drop of the acceptance rate (0.05 = 5 points). */
  max_drop: z.number().min(0).max(1).default(0.05),
  /** The false alarm probability over a whole rollout stage, however often the guard looks. */
  alpha: z.number().gt(0, 'must be above 0').max(0.5).default(0.05),
});

const rolloutGuardSchema = z.strictObject({
  enabled: z.boolean().default(false),
  max_error_rate_delta: z.number().min(0).max(1).default(0.1),
  max_p95_latency_ratio: z.number().min(1).default(2.0),
  min_requests: z.number().int().min(1).default(20),
  acceptance: acceptanceGuardSchema.optional(),
});

const failoverRuleSchema = z.strictObject({
  rule: z.literal('failover'),
  flag: flagName,
  model: key,
  mode: z.enum(['automatic', 'manual']),
});

const gatewayApiRuleSchema = z.strictObject({
  rule: z.literal('gateway_api'),
  flag: flagName,
  api: z.literal('v4'),
  /** model_metadata.feature_setting (the gateway's unit-primitive config). */
  feature_setting: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,99}$/, 'must be a snake_case feature setting')
    .default('code_completions'),
});

const betaRuleSchema = z.strictObject({
  rule: z.literal('beta'),
  flag: flagName,
  opt_out_flag: flagName,
  model: key,
  rollout_guard: rolloutGuardSchema.default({
    enabled: false,
    max_error_rate_delta: 0.1,
    max_p95_latency_ratio: 2.0,
    min_requests: 20,
  }),
});

const defaultRuleSchema = z.strictObject({
  rule: z.literal('default'),
  model: key,
});

const completionRuleSchema = z.discriminatedUnion('rule', [
  failoverRuleSchema,
  gatewayApiRuleSchema,
  betaRuleSchema,
  defaultRuleSchema,
]);

const promptVersion = z.string().min(1).max(50);

const generationSchema = z.strictObject({
  prompt_id: z.string().min(1).max(255),
  prompt_version: promptVersion,
  /** API when the client sends `X-Supports-Sse-Streaming: true`, and otherwise. */
  api: z.strictObject({ sse: z.enum(['v3', 'v4']), default: z.enum(['v3', 'v4']) }),
  failover: z.strictObject({ flag: flagName, prompt_version: promptVersion }).optional(),
});

export const catalogueFileSchema = z.strictObject({
  models: z.array(modelSchema).min(1),
  completion: z.strictObject({ rules: z.array(completionRuleSchema).min(1) }),
  generation: generationSchema,
});

export type CatalogueFile = z.output<typeof catalogueFileSchema>;
export type CompletionRuleFile = CatalogueFile['completion']['rules'][number];
export type ModelFile = CatalogueFile['models'][number];

/** A validation problem as `field problem` (`models[2].name is required`). */
export function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return '(file) is invalid';
  const field = issue.path.length ? formatPath(issue.path) : '(file)';
  return `${field} ${issue.message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );
}
