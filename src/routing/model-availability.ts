import type { ModelCatalogue } from './model-catalogue';
import type { ModelAvailability, ModelSpec } from './routing.types';

/**
 * Which catalogue models the gateway still offers. Pure: the inputs are the catalogue, the pinned
 * v2 allowlist (a predicate) and, when the gateway answered it, `GET /v1/models/definitions`.
 */

/** The part of a `/v1/models/definitions` answer this needs. */
export interface GatewayDefinitions {
  readonly models: ReadonlyArray<{ readonly identifier: string }>;
  readonly unit_primitives: ReadonlyArray<{
    readonly feature_setting: string;
    readonly default_models?: readonly string[];
    readonly selectable_models?: readonly string[];
    readonly beta_models?: readonly string[];
  }>;
}

export type CatalogueRole = 'default' | 'beta' | 'backup';

export interface CatalogueModelStatus {
  readonly key: string;
  readonly role: CatalogueRole;
  readonly provider: string;
  readonly name: string;
  readonly gitlabIdentifier: string | null;
  readonly offered: boolean;
  /** Why the model is not sent (absent when offered). */
  readonly reason?: string;
}

/** Models the rules name, each with its role (the default first). */
export function catalogueRoles(
  cat: ModelCatalogue,
): Array<{ model: ModelSpec; role: CatalogueRole }> {
  const out: Array<{ model: ModelSpec; role: CatalogueRole }> = [];
  for (const r of cat.completionRules) {
    if (r.kind === 'default') out.unshift({ model: r.model, role: 'default' });
    else if (r.kind === 'beta') out.push({ model: r.model, role: 'beta' });
    else if (r.kind === 'failover') out.push({ model: r.model, role: 'backup' });
  }
  return out;
}

/** The feature setting of the v4 switch (`code_completions` when the catalogue has none). */
export function completionFeatureSetting(cat: ModelCatalogue): string {
  for (const r of cat.completionRules) if (r.kind === 'gateway_api') return r.featureSetting;
  return 'code_completions';
}

/** Identifiers the gateway offers for a feature setting: its defaults, selectable and beta models. */
export function offeredFor(
  defs: GatewayDefinitions,
  featureSetting: string,
): Set<string> | undefined {
  const up = defs.unit_primitives.find((u) => u.feature_setting === featureSetting);
  if (!up) return undefined;
  return new Set([
    ...(up.default_models ?? []),
    ...(up.selectable_models ?? []),
    ...(up.beta_models ?? []),
  ]);
}

/**
 * Each model's standing: refused by the pinned v2 allowlist, or (with `defs`) not offered for the
 * feature setting by the gateway this instance talks to.
 */
export function catalogueStatus(
  cat: ModelCatalogue,
  v2Allowed: (provider: string, name: string) => boolean,
  defs: GatewayDefinitions | undefined,
): CatalogueModelStatus[] {
  const setting = completionFeatureSetting(cat);
  const offered = defs ? offeredFor(defs, setting) : undefined;
  return catalogueRoles(cat).map(({ model, role }) => {
    const base = {
      key: model.key,
      role,
      provider: model.provider,
      name: model.name,
      gitlabIdentifier: model.gitlabIdentifier ?? null,
    };
    let reason: string | undefined;
    if (!v2Allowed(model.provider, model.name))
      reason = `the pinned gateway refuses ${model.provider}/${model.name} on /v2/code/completions`;
    else if (defs && !offered)
      reason = `the gateway's /v1/models/definitions has no feature setting ${setting}`;
    else if (offered && model.gitlabIdentifier && !offered.has(model.gitlabIdentifier))
      reason = `the gateway does not offer ${model.gitlabIdentifier} for ${setting}`;
    return reason ? { ...base, offered: false, reason } : { ...base, offered: true };
  });
}

/** The routing policy's view: a retired model's reason by key. */
export function availabilityOf(status: readonly CatalogueModelStatus[]): ModelAvailability {
  const reasons = new Map(status.filter((s) => !s.offered).map((s) => [s.key, s.reason]));
  return { retiredReason: (m) => reasons.get(m.key) };
}

/** The message that stops the start when the default is not offered, naming what is. */
export function defaultProblem(
  status: readonly CatalogueModelStatus[],
  cat: ModelCatalogue,
  defs: GatewayDefinitions | undefined,
): string | undefined {
  const d = status.find((s) => s.role === 'default');
  if (!d || d.offered) return undefined;
  const setting = completionFeatureSetting(cat);
  const offered = defs ? [...(offeredFor(defs, setting) ?? [])] : [];
  const what = defs
    ? `the gateway offers for ${setting}: ${offered.length ? offered.join(', ') : '(nothing)'}`
    : 'see config/aigw/contract.json for the names the pinned gateway accepts';
  return `${cat.source}: the default model ${d.key} (${d.provider}/${d.name}${d.gitlabIdentifier ? `, ${d.gitlabIdentifier}` : ''}) cannot be used: ${d.reason}; ${what}`;
}
