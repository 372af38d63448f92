import { modelDefinitions, type ModelDefinitions } from '../common/aigw/aigw-contract';

/**
 * What the twin's `GET /v1/models/definitions` offers: the pinned catalogue, less the models a
 * test withdrew (as a gateway deploy that retires a model would). Only the advertised offer
 * changes; the twin still serves a withdrawn identifier if asked, so a test sees whether
 * Switchboard stopped sending it rather than a refusal.
 */
export class ModelOffer {
  private withdrawn = new Set<string>();

  /** Throws for a feature's default: a gateway always offers its defaults. */
  withdraw(identifiers: readonly string[]): void {
    const defaults = new Set(modelDefinitions().unit_primitives.map((u) => u.default_model));
    const bad = identifiers.filter((id) => defaults.has(id));
    if (bad.length > 0) throw new Error(`a default model cannot be withdrawn: ${bad.join(', ')}`);
    this.withdrawn = new Set(identifiers);
  }

  restore(): void {
    this.withdrawn.clear();
  }

  get withdrawnIdentifiers(): string[] {
    return [...this.withdrawn];
  }

  definitions(): ModelDefinitions {
    const all = modelDefinitions();
    if (this.withdrawn.size === 0) return all;
    const keep = (id: string) => !this.withdrawn.has(id);
    return {
      models: all.models.filter((m) => keep(m.identifier)),
      unit_primitives: all.unit_primitives.map((u) => ({
        ...u,
        default_models: u.default_models.filter(keep),
        selectable_models: u.selectable_models.filter(keep),
        beta_models: u.beta_models.filter(keep),
      })),
    };
  }
}
