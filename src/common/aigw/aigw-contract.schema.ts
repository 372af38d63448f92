import { z } from 'zod';

/**
 * Shape of config/aigw/contract.json (written by scripts/aigw/derive.py). Checked once when the
 * file is loaded, so a hand edit or a script change that breaks the shape stops the start with
 * the path of the bad value instead of a wrong answer later.
 */

/** A pydantic type as the derivation reads it. */
export type TypeSpec =
  | { kind: 'str'; maxLength?: number; minLength?: number; stripWhitespace?: boolean }
  | { kind: 'int' | 'bool' | 'float' | 'any' | 'dict' | 'null' }
  | { kind: 'enum'; name: string; values: (string | number)[] }
  | { kind: 'literal'; values: (string | number)[] }
  | { kind: 'model'; model: string }
  | { kind: 'list'; items: TypeSpec; maxItems?: number; minItems?: number }
  | { kind: 'union'; anyOf: TypeSpec[]; discriminator?: string };

const scalar = z.union([z.string(), z.number()]);

export const typeSpecSchema: z.ZodType<TypeSpec> = z.lazy(() =>
  z.union([
    z.object({
      kind: z.literal('str'),
      maxLength: z.number().int().optional(),
      minLength: z.number().int().optional(),
      stripWhitespace: z.boolean().optional(),
    }),
    z.object({ kind: z.enum(['int', 'bool', 'float', 'any', 'dict', 'null']) }),
    z.object({ kind: z.literal('enum'), name: z.string(), values: z.array(scalar).min(1) }),
    z.object({ kind: z.literal('literal'), values: z.array(scalar).min(1) }),
    z.object({ kind: z.literal('model'), model: z.string() }),
    z.object({
      kind: z.literal('list'),
      items: typeSpecSchema,
      maxItems: z.number().int().optional(),
      minItems: z.number().int().optional(),
    }),
    z.object({
      kind: z.literal('union'),
      anyOf: z.array(typeSpecSchema).min(1),
      discriminator: z.string().optional(),
    }),
  ]),
);

const fieldSchema = z.object({
  type: typeSpecSchema,
  required: z.boolean(),
  default: z.unknown().optional(),
});
export type FieldSpec = z.infer<typeof fieldSchema>;

const modelSchema = z.object({
  module: z.string(),
  class: z.string(),
  fields: z.record(z.string(), fieldSchema),
  validators: z.array(
    z.object({ field: z.string(), function: z.string(), useCase: z.string().nullable() }),
  ),
});
export type ModelSpec = z.infer<typeof modelSchema>;

const deprecation = z.object({ deprecation_date: z.string(), removal_version: z.string() });

const catalogueModel = z.object({
  name: z.string(),
  identifier: z.string(),
  provider: z.string().nullable(),
  deprecation: deprecation.nullable(),
  description: z.string().nullable(),
  cost_indicator: z.string().nullable(),
  x_model_class_provider: z.string().nullable(),
  x_custom_llm_provider: z.string().nullable(),
  x_params_model: z.string().nullable(),
});
export type CatalogueModel = z.infer<typeof catalogueModel>;

const unitPrimitive = z.object({
  feature_setting: z.string(),
  default_model: z.string(),
  default_models: z.array(z.string()).min(1),
  models_for_tags: z.record(z.string(), z.string()),
  models_for_size_preference: z.record(z.string(), z.string()),
  selectable_models: z.array(z.string()),
  beta_models: z.array(z.string()),
  deprecated_models: z.array(deprecation.extend({ identifier: z.string() })),
  dev: z.object({ selectable_models: z.array(z.string()) }).nullable(),
  unit_primitives: z.array(z.string()),
});
export type UnitPrimitive = z.infer<typeof unitPrimitive>;

const stringLists = z.record(z.string(), z.array(z.string()));

export const contractSchema = z.object({
  generated: z.string(),
  source: z.object({
    repository: z.string(),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    date: z.string(),
    files: z.record(z.string(), z.string()),
  }),
  endpoints: z.record(
    z.string(),
    z.object({
      aliases: z.array(z.string()).min(1),
      body: typeSpecSchema.nullable(),
      response: typeSpecSchema.optional(),
      headers: z.array(z.object({ name: z.string(), required: z.boolean() })).optional(),
    }),
  ),
  models: z.record(z.string(), modelSchema),
  modelNameValidation: z.object({
    unsupported: z.string().includes('{model_name}'),
    unknown: z.string().includes('{model_name}'),
    skippedWithoutProvider: z.boolean(),
  }),
  providers: stringLists,
  useCases: stringLists,
  allowlist: z.record(z.string(), stringLists),
  legacyCompletionIdentifiers: z.record(z.string(), z.string()),
  saasPromptModels: z.object({
    default: z.string(),
    versions: z.record(z.string(), z.object({ provider: z.string(), model: z.string() })),
  }),
  validationErrorBody: z.object({ verbose: z.string(), terse: z.string() }),
  modelMetadata: z.object({
    unresolvable: z.string(),
    unknownIdentifierMessage: z.string(),
    unknownFeatureSettingMessage: z.string(),
  }),
  catalogue: z.object({
    models: z.array(catalogueModel).min(1),
    unit_primitives: z.array(unitPrimitive).min(1),
  }),
});
export type AigwContract = z.infer<typeof contractSchema>;
