import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '../common/errors/domain-error';
import type { EffectiveSelection } from './model-selection.service';
import {
  FEATURE_TITLES,
  isSelectableFeature,
  SELECTABLE_FEATURES,
  type SelectableFeature,
} from './model-selection.types';

/** `:feature` in a path: one of the selectable features, else a 400 naming them. */
export class FeaturePipe implements PipeTransform<string, SelectableFeature> {
  transform(value: string): SelectableFeature {
    if (isSelectableFeature(value)) return value;
    throw DomainError.invalid(
      'feature',
      `does not have a valid value (selectable features: ${SELECTABLE_FEATURES.join(', ')})`,
    );
  }
}

/** A gateway model identifier, or null / "" for "GitLab default" (GitLab's GraphQL takes ""). */
export const offeredModelRef = z
  .string()
  .trim()
  .max(255)
  .nullable()
  .transform((v) => (v === '' ? null : v));

export const updateOneSchema = z.strictObject({ offered_model_ref: offeredModelRef });

export const updateManySchema = z.strictObject({
  features: z
    .array(z.enum(SELECTABLE_FEATURES))
    .min(1)
    .refine((f) => new Set(f).size === f.length, 'must not name a feature twice'),
  offered_model_ref: offeredModelRef,
});

const modelRef = z.object({ ref: z.string(), name: z.string() });

/** The answer for one feature (GitLab's `AiModelSelection*FeatureSetting` type, snake_cased). */
export const featureSettingSchema = z.object({
  feature: z.enum(SELECTABLE_FEATURES),
  title: z.string(),
  main_feature: z.string(),
  selected_model: modelRef.nullable().describe('null: "GitLab default"'),
  default_model: modelRef
    .nullable()
    .describe("the gateway's default; null: it lists no such feature"),
  selectable_models: z.array(modelRef),
  effective_model: modelRef
    .nullable()
    .describe('what requests use: the selection while the gateway offers it, else the default'),
  stale: z.boolean().describe('the selection is no longer offered by the gateway'),
  namespace: z.object({ id: z.number().int(), full_path: z.string() }).optional(),
  updated_at: z.string().nullable(),
});

export function presentFeatureSetting(
  s: EffectiveSelection,
  group?: { id: number; fullPath: string },
): z.input<typeof featureSettingSchema> {
  return {
    feature: s.feature,
    title: FEATURE_TITLES[s.feature].title,
    main_feature: FEATURE_TITLES[s.feature].mainFeature,
    selected_model: s.selected,
    default_model: s.defaultModel ?? null,
    selectable_models: [...s.selectable],
    effective_model: s.effective ?? null,
    stale: s.stale,
    ...(group ? { namespace: { id: group.id, full_path: group.fullPath } } : {}),
    updated_at: s.updatedAt?.toISOString() ?? null,
  };
}
