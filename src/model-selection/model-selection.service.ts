import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AuditRepository } from '../audit/audit.repository';
import { DomainError } from '../common/errors/domain-error';
import { CHANGE_BUS, type ChangeBus } from '../common/fleet/change-bus';
import { rootLogger } from '../common/logging/logger';
import { DatabaseGuard } from '../database/database-guard';
import { Transactions, type Tx } from '../database/transactions';
import { MetricsService } from '../observability/metrics.service';
import type { Actor } from '../identity/users/users.service';
import { ModelSelectionRepository, SelectionWrite } from './model-selection.repository';
import {
  SELECTABLE_FEATURES,
  type OfferedModel,
  type SelectableFeature,
  type StoredSelection,
} from './model-selection.types';
import { LiveOfferedModels, OFFERED_MODELS, type OfferedModels } from './offered-models';

const REFRESH_MS = 2000;

/** A selection as routing and the API see it, against what the gateway offers now. */
export interface EffectiveSelection {
  feature: SelectableFeature;
  /** The stored choice; null: "GitLab default". */
  selected: OfferedModel | null;
  /** The gateway's default for the feature (undefined: the gateway lists no such feature). */
  defaultModel: OfferedModel | undefined;
  selectable: readonly OfferedModel[];
  /** The choice is no longer offered: requests use the default. */
  stale: boolean;
  /** What requests use: the selection when offered, else the default. */
  effective: OfferedModel | undefined;
  updatedAt: Date | null;
}

export type SelectionScope = { kind: 'group'; groupId: number } | { kind: 'instance' };

interface Snapshot {
  groups: Map<number, Map<SelectableFeature, StoredSelection>>;
  instance: Map<SelectableFeature, StoredSelection>;
}

/**
 * The model chosen per feature by top-level groups and by the instance, kept in memory (read on
 * every completion). A change applies here at once and in the other processes when the change
 * bus tells them, else within 2 s. Changes are validated against the gateway's offer first and
 * written with their audit events in one transaction: a refused change writes nothing.
 */
@Injectable()
export class ModelSelectionService implements OnModuleInit, OnApplicationShutdown {
  private snapshot: Snapshot = { groups: new Map(), instance: new Map() };
  private timer?: NodeJS.Timeout;
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly repo: ModelSelectionRepository,
    private readonly audit: AuditRepository,
    private readonly transactions: Transactions,
    private readonly database: DatabaseGuard,
    @Inject(OFFERED_MODELS) private readonly offered: OfferedModels,
    private readonly metrics: MetricsService,
    @Inject(CHANGE_BUS) private readonly bus: ChangeBus,
  ) {
    bus.subscribe('model_selection.changed', () => void this.refresh());
    (offered as Partial<LiveOfferedModels>).onChange?.(() => this.reportStale());
  }

  async onModuleInit(): Promise<void> {
    this.snapshot = toSnapshot(await this.repo.loadAll());
    this.reportStale();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Called after every snapshot change (stale-selection reporting re-checks then). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Top-level groups with a stored row, by id. */
  groupIds(): number[] {
    return [...this.snapshot.groups.keys()];
  }

  view(scope: SelectionScope, feature: SelectableFeature): EffectiveSelection {
    return this.effective(feature, this.stored(scope, feature));
  }

  viewAll(scope: SelectionScope): EffectiveSelection[] {
    return SELECTABLE_FEATURES.map((f) => this.view(scope, f));
  }

  /**
   * Sets `ref` (null: "GitLab default") for every feature named, or none of them: each feature
   * is checked against the gateway's offer before anything is written. Unchanged features are
   * neither written nor audited.
   */
  async update(
    scope: SelectionScope,
    features: readonly SelectableFeature[],
    ref: string | null,
    actor: Actor,
  ): Promise<EffectiveSelection[]> {
    const writes = features.map((feature) => this.checked(feature, ref));
    const changed = writes.filter((w) => this.stored(scope, w.feature)?.ref !== w.ref);
    if (changed.length > 0) {
      await this.transactions.run(async (tx) => {
        for (const w of changed) await this.save(scope, w, actor, tx);
      });
      await this.reload();
      this.bus.publish('model_selection.changed', {});
    }
    return features.map((f) => this.view(scope, f));
  }

  private checked(feature: SelectableFeature, ref: string | null): SelectionWrite {
    if (ref === null) return { feature, ref: null, name: null };
    const offer = this.offered.offer(feature);
    const model = offer?.selectable.find((m) => m.ref === ref);
    if (model) return { feature, ref, name: model.name };
    const offers = offer?.selectable.map((m) => m.ref).join(', ');
    throw DomainError.invalid(
      'offered_model_ref',
      offers
        ? `is not offered by the AI gateway for ${feature}; it offers: ${offers} (default: ${offer!.defaultModel.ref})`
        : `cannot be set: the AI gateway offers no models for ${feature} (only "GitLab default", null)`,
    );
  }

  private async save(scope: SelectionScope, w: SelectionWrite, actor: Actor, tx: Tx) {
    const before = this.stored(scope, w.feature);
    if (scope.kind === 'group') await this.repo.saveGroup(scope.groupId, w, tx);
    else await this.repo.saveInstance(w, tx);
    await this.audit.record(
      {
        actorId: actor.id,
        actorName: actor.name,
        action: 'ai_feature_setting_updated',
        targetType: scope.kind === 'group' ? 'Group' : 'Instance',
        targetId: scope.kind === 'group' ? String(scope.groupId) : w.feature,
        before: { feature: w.feature, offered_model_ref: before?.ref ?? null },
        after: { feature: w.feature, offered_model_ref: w.ref },
      },
      tx,
    );
  }

  private stored(scope: SelectionScope, feature: SelectableFeature): StoredSelection | undefined {
    const byFeature =
      scope.kind === 'group' ? this.snapshot.groups.get(scope.groupId) : this.snapshot.instance;
    return byFeature?.get(feature);
  }

  private effective(
    feature: SelectableFeature,
    s: StoredSelection | undefined,
  ): EffectiveSelection {
    const offer = this.offered.offer(feature);
    const selected = s?.ref ? { ref: s.ref, name: s.name ?? s.ref } : null;
    const live = selected && offer?.selectable.find((m) => m.ref === selected.ref);
    return {
      feature,
      selected,
      defaultModel: offer?.defaultModel,
      selectable: offer?.selectable ?? [],
      stale: selected !== null && !live,
      effective: live || offer?.defaultModel,
      updatedAt: s?.updatedAt ?? null,
    };
  }

  private async reload(): Promise<void> {
    this.snapshot = toSnapshot(await this.repo.loadAll());
    this.reportStale();
    for (const l of this.listeners) l();
  }

  private staleKeys = new Set<string>();

  /**
   * One log line when a selection goes stale (and when it is offered again), not per request;
   * `switchboard_model_selections_stale` counts them per feature × scope, zeros included.
   */
  private reportStale(): void {
    const now = new Set<string>();
    const scopes: SelectionScope[] = [
      { kind: 'instance' },
      ...this.groupIds().map((groupId) => ({ kind: 'group', groupId }) as const),
    ];
    const counts = new Map<string, number>();
    for (const scope of scopes)
      for (const v of this.viewAll(scope))
        if (v.stale && v.selected) {
          const key = `${scope.kind === 'group' ? `group ${scope.groupId}` : 'instance'}|${v.feature}|${v.selected.ref}`;
          now.add(key);
          counts.set(
            `${v.feature}|${scope.kind}`,
            (counts.get(`${v.feature}|${scope.kind}`) ?? 0) + 1,
          );
          if (!this.staleKeys.has(key))
            rootLogger.warn(
              {
                scope: key.split('|')[0],
                feature: v.feature,
                selected: v.selected.ref,
                served: v.effective?.ref,
                offer: this.offered.origin,
              },
              'model selection is stale: the AI gateway no longer offers the selected model; requests use the default',
            );
        }
    for (const key of this.staleKeys)
      if (!now.has(key)) rootLogger.info({ selection: key }, 'model selection no longer stale');
    this.staleKeys = now;
    for (const feature of SELECTABLE_FEATURES)
      for (const scope of ['instance', 'group'] as const)
        this.metrics.staleSelections.set(
          { feature, scope },
          counts.get(`${feature}|${scope}`) ?? 0,
        );
  }

  private async refresh(): Promise<void> {
    try {
      await this.database.run(() => this.reload());
    } catch (err) {
      // The database away is logged by the guard as state changes: no line per failed refresh.
      if (!this.database.isOutage(err))
        rootLogger.warn({ err }, 'could not refresh model selections; keeping the last known');
    }
  }
}

function toSnapshot(all: Awaited<ReturnType<ModelSelectionRepository['loadAll']>>): Snapshot {
  const groups = new Map<number, Map<SelectableFeature, StoredSelection>>();
  for (const g of all.groups) {
    const m = groups.get(g.groupId) ?? new Map<SelectableFeature, StoredSelection>();
    m.set(g.feature, g);
    groups.set(g.groupId, m);
  }
  return { groups, instance: new Map(all.instance.map((s) => [s.feature, s])) };
}
