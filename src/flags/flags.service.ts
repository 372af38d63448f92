import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import { ReadinessRegistry } from '../health/readiness.registry';
import type { Actor } from '../identity/users/users.service';
import { FlagDefinition, loadFlagDefinitions } from './flag-definitions';
import { FlagSubject, groupSubject, instanceSubject, toUnleashContext } from './flag-context';
import { explainAnswer, type FlagAnswer } from './explain';
import type { FlagKey } from './flag-keys';
import { applyGateChange, GateChange } from './gate-changes';
import type { FeatureState, FlagGates } from './gates';
import { FLAG_STORE, FlagStore, type WriteOptions } from './stores/flag-store';

export type { FlagAnswer } from './explain';

/** Thrown inside a store write to abandon it (its transaction rolls back). */
class NotApplicable extends Error {}

/** A flag name `force` accepts without a definition (the definitions' own rule). */
const FORCED_NAME = /^[a-z][a-z0-9_]{1,127}$/;

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

  /** The answer and the gate that decided it (also for a flag set with `force` and no definition). */
  explain(name: string, subject: FlagSubject): FlagAnswer {
    const ctx = toUnleashContext(subject, this.environment);
    const fallback = this.definitions.get(name)?.defaultEnabled ?? false;
    const enabled = this.store.isEnabled(name, ctx, () => fallback);
    return explainAnswer(this.store.state(name), ctx, enabled);
  }

  /** A defined flag, or one set with `force` (persisted without a definition); else 404. */
  get(name: string): FeatureState {
    const state = this.store.state(name);
    if (!state.persisted) this.requireDefined(name);
    return state;
  }

  /** The stored state, defined or not (a flag that was never set: not persisted). */
  peek(name: string): FeatureState {
    return this.store.state(name);
  }

  /** Defined flags that are set, and flags set with `force` that have no definition. */
  list(): FeatureState[] {
    return this.store.states();
  }

  /**
   * `force`: GitLab's "skip feature flag validation checks, such as a YAML definition": a flag
   * with no definition can be set (the name must still be snake_case); the audit says so.
   */
  async change(
    name: string,
    change: GateChange,
    actor: Actor,
    options: Pick<WriteOptions, 'force' | 'discardUnleashStrategies'> = {},
  ): Promise<FeatureState> {
    this.checkChange(name, options);
    const offForEveryone = change.kind === 'boolean' && !change.enabled;
    return this.store.update(name, (before) => applyGateChange(before, change), actor, {
      ...options,
      offForEveryone,
    });
  }

  /**
   * A whole new set of gates in one audited write (the console's rollout stages: each enables
   * someone, so none is Flipper's "off for everyone").
   */
  async replaceGates(name: string, gates: FlagGates, actor: Actor): Promise<FeatureState> {
    this.requireDefined(name);
    return this.store.update(name, () => gates, actor);
  }

  /** What `change` refuses before writing: an undefined flag (404), or a bad forced name. */
  checkChange(name: string, options: Pick<WriteOptions, 'force'> = {}): void {
    if (!options.force || this.definitions.has(name)) this.requireDefined(name);
    else if (!FORCED_NAME.test(name)) {
      throw DomainError.invalid('name', 'must be snake_case (a-z, 0-9, _), 2-128 characters');
    }
  }

  /**
   * `changes` only while `applies(before)` holds for the backend's current state (read under
   * the store's write lock, not this process's snapshot). false when it no longer held, e.g.
   * another instance rolled the flag back first: nothing is written or audited then.
   */
  async changeWhile(
    name: string,
    applies: (before: FlagGates) => boolean,
    changes: readonly GateChange[],
    actor: Actor,
  ): Promise<boolean> {
    this.requireDefined(name);
    try {
      await this.store.update(
        name,
        (before) => {
          if (!applies(before)) throw new NotApplicable();
          return changes.reduce(applyGateChange, before);
        },
        actor,
      );
      return true;
    } catch (err) {
      if (err instanceof NotApplicable) return false;
      throw err;
    }
  }

  async remove(name: string, actor: Actor, options: WriteOptions = {}): Promise<void> {
    this.get(name);
    await this.store.remove(name, actor, options);
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
