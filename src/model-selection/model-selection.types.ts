/**
 * Features whose model a top-level group's owner (GitLab.com) or an administrator (self-managed)
 * chooses, named as GitLab and the AI Gateway name their feature settings.
 */
export const SELECTABLE_FEATURES = ['code_completions', 'code_generations'] as const;
export type SelectableFeature = (typeof SELECTABLE_FEATURES)[number];

export const isSelectableFeature = (v: string): v is SelectableFeature =>
  (SELECTABLE_FEATURES as readonly string[]).includes(v);

/** GitLab's titles for the two features (GraphQL `title` / `mainFeature`). */
export const FEATURE_TITLES: Record<SelectableFeature, { title: string; mainFeature: string }> = {
  code_completions: { title: 'Code Completion', mainFeature: 'Code Suggestions' },
  code_generations: { title: 'Code Generation', mainFeature: 'Code Suggestions' },
};

/** A model as the gateway lists it: `identifier` (our `ref`) and display `name`. */
export interface OfferedModel {
  ref: string;
  name: string;
}

/** What the gateway offers for one feature setting. */
export interface FeatureOffer {
  defaultModel: OfferedModel;
  selectable: readonly OfferedModel[];
}

/** A stored choice; `ref` null is "GitLab default" (the gateway's default for the feature). */
export interface StoredSelection {
  feature: SelectableFeature;
  ref: string | null;
  /** The model's name when it was chosen: still shown when the gateway stops offering it. */
  name: string | null;
  updatedAt: Date;
}

export interface GroupSelection extends StoredSelection {
  groupId: number;
}
