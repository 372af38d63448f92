import type { FeatureOffer, OfferedModel, SelectableFeature } from './model-selection.types';

/**
 * The models the AI Gateway offers per feature setting: its `GET /v1/models/definitions` answer
 * (the one this instance last read, or the pinned gateway commit's when it has read none).
 */
export interface OfferedModels {
  offer(feature: SelectableFeature): FeatureOffer | undefined;
  /** Where the offer comes from, for answers and logs (e.g. `the AI gateway's /v1/models/definitions`). */
  readonly origin: string;
}

export const OFFERED_MODELS = Symbol('OFFERED_MODELS');

/** The part of the gateway's `/v1/models/definitions` answer that model selection reads. */
export interface ModelDefinitionsDocument {
  readonly models: ReadonlyArray<{ readonly name?: string; readonly identifier: string }>;
  readonly unit_primitives: ReadonlyArray<{
    readonly feature_setting: string;
    readonly default_model?: string;
    readonly default_models?: readonly string[];
    readonly selectable_models?: readonly string[];
  }>;
}

/** Per feature setting: its default and selectable models, with their display names. */
export function offersFromDefinitions(doc: ModelDefinitionsDocument): Map<string, FeatureOffer> {
  const names = new Map(doc.models.map((m) => [m.identifier, m.name ?? m.identifier]));
  const model = (ref: string): OfferedModel => ({ ref, name: names.get(ref) ?? ref });
  const out = new Map<string, FeatureOffer>();
  for (const up of doc.unit_primitives) {
    const def = up.default_model ?? up.default_models?.[0];
    if (def === undefined) continue;
    out.set(up.feature_setting, {
      defaultModel: model(def),
      selectable: (up.selectable_models ?? []).map(model),
    });
  }
  return out;
}

/**
 * The offer in force: the pinned gateway commit's definitions at start, replaced by what the
 * gateway answers at run time when that is read (`replace`). Listeners hear every replacement.
 */
export class LiveOfferedModels implements OfferedModels {
  private offers: Map<string, FeatureOffer>;
  private readonly listeners: Array<() => void> = [];

  constructor(
    doc: ModelDefinitionsDocument,
    private source: string,
  ) {
    this.offers = offersFromDefinitions(doc);
  }

  get origin(): string {
    return this.source;
  }

  offer(feature: SelectableFeature): FeatureOffer | undefined {
    return this.offers.get(feature);
  }

  replace(doc: ModelDefinitionsDocument, origin: string): void {
    this.offers = offersFromDefinitions(doc);
    this.source = origin;
    for (const l of this.listeners) l();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
}
