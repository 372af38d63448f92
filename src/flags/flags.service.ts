import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import { ReadinessRegistry } from '../health/readiness.registry';
import type { Actor } from '../identity/users/users.service';
import { FlagDefinition, loadFlagDefinitions } from './flag-definitions';
import { FlagSubject, groupSubject, instanceSubject, toUnleashContext } from './flag-context';
import { evaluateState } from './flag-engine';
import type { FlagKey } from './flag-keys';
import { applyGateChange, GateChange } from './gate-changes';
import type { FeatureState } from './gates';
import { FLAG_STORE, FlagStore } from './stores/flag-store';

export interface FlagAnswer {
  name: string;
  enabled: boolean;
  /** Which gate decided: default_enabled, boolean, actors, groups, percentage_of_actors, percentage_of_time, none. */
  gate: string;
}

/**
 * The one place flags are asked. Evaluation is in memory through unleash-client; asking for a
 * flag with no definition is a programming error and throws.
 */
@Injectable()
export class FlagsService implements OnModuleInit, OnApplicationShutdown {
  readonly definitions: ReadonlyMap<string, FlagDefinition>;
  private readonly environment: string | undefined;

  constructor(
    @Inject(FLAG_STORE) private readonly store: FlagStore,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly readiness: ReadinessRegistry,
  ) {
    this.definitions = loadFlagDefinitions(config.flags.definitionsDir);
    this.environment = config.unleash?.environment;
  }

  async onModuleInit(): Promise<void> {
    this.store.describe?.(this.definitions.values());
    await this.store.start();
    this.readiness.register('flags', async () => {
      const h = this.store.health();
      return {
        ok: true,
        degraded: h.stale,
        detail: { source: h.kind, stale: h.stale, last_sync_at: h.lastSyncAt, error: h.lastError },
      };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.stop();
  }

  get sourceKind(): FlagStore['kind'] {
    return this.store.kind;
  }

  isStale(): boolean {
    return this.store.health().stale;
  }

  /**
   * Seconds since the served snapshot was last confirmed by the source (after a restart from
   * the backup file: the backup's age); -1 only when no sync is known at all.
   */
  sourceAgeSeconds(): number {
    const h = this.store.health();
    const at = h.snapshotSyncedAt ?? h.lastSyncAt;
    return at ? (Date.now() - at.getTime()) / 1000 : -1;
  }

  definition(name: string): FlagDefinition {
    const def = this.definitions.get(name);
    if (!def)
      throw new Error(
        `feature flag ${name} has no definition (config/feature_flags/<type>/${name}.yml)`,
      );
    return def;
  }

  /** `name`: a typed key, or a flag named by the model catalogue (checked at boot). */
  isEnabled(name: FlagKey | (string & Record<never, never>), subject: FlagSubject): boolean {
    const def = this.definition(name);
    return this.store.isEnabled(
      name,
      toUnleashContext(subject, this.environment),
      () => def.defaultEnabled,
    );
  }

  isEnabledForGroup(name: string, groupId: number): boolean {
    return this.isEnabled(name, groupSubject(groupId));
  }

  isEnabledForInstance(name: string): boolean {
    return this.isEnabled(name, instanceSubject);
  }

  /** The answer and the gate that decided it (each gate evaluated alone, in Unleash order). */
  explain(name: string, subject: FlagSubject): FlagAnswer {
    const def = this.definition(name);
    const enabled = this.isEnabled(name, subject);
    const state = this.store.state(name);
    if (!state.persisted) return { name, enabled, gate: 'default_enabled' };
    const ctx = toUnleashContext(subject, this.environment);
    const g = state.gates;
    const single: Array<[string, FeatureState['gates']]> = [
      [
        'boolean',
        { ...g, actors: [], featureGroups: [], percentageOfActors: 0, percentageOfTime: 0 },
      ],
      [
        'actors',
        {
          boolean: false,
          actors: g.actors,
          featureGroups: [],
          percentageOfActors: 0,
          percentageOfTime: 0,
        },
      ],
      [
        'groups',
        {
          boolean: false,
          actors: [],
          featureGroups: g.featureGroups,
          percentageOfActors: 0,
          percentageOfTime: 0,
        },
      ],
      [
        'percentage_of_actors',
        {
          boolean: false,
          actors: [],
          featureGroups: [],
          percentageOfActors: g.percentageOfActors,
          percentageOfTime: 0,
        },
      ],
    ];
    for (const [gate, gates] of single) {
      if (evaluateState({ name, persisted: true, gates }, ctx, def.defaultEnabled) && enabled)
        return { name, enabled, gate };
    }
    return { name, enabled, gate: enabled ? 'percentage_of_time' : 'none' };
  }

  get(name: string): FeatureState {
    this.requireDefined(name);
    return this.store.state(name);
  }

  list(): FeatureState[] {
    return this.store.states().filter((s) => this.definitions.has(s.name));
  }

  async change(name: string, change: GateChange, actor: Actor): Promise<FeatureState> {
    this.requireDefined(name);
    return this.store.update(name, (before) => applyGateChange(before, change), actor);
  }

  async remove(name: string, actor: Actor): Promise<void> {
    this.requireDefined(name);
    await this.store.remove(name, actor);
  }

  private requireDefined(name: string): void {
    if (!this.definitions.has(name)) {
      throw new DomainError(
        'not_found',
        `404 Feature flag '${name}' Not Found - Switchboard only changes defined flags: add config/feature_flags/<type>/${name}.yml`,
      );
    }
  }
}
