import * as fs from 'node:fs';
import * as path from 'node:path';
import { Unleash } from 'unleash-client';
import type { Context } from 'unleash-client/lib/context';
import { AuditRepository } from '../../audit/audit.repository';
import { ActorsStrategy } from '../actors-strategy';
import type { AppConfig } from '../../config/app-config';
import { rootLogger } from '../../common/logging/logger';
import type { Actor } from '../../identity/users/users.service';
import { emptyGates, FeatureState, FlagGates, NativeStrategy, strategiesToGates } from '../gates';
import { featureStateName } from '../unleash-native';
import { FlagEngine } from '../flag-engine';
import { auditEntry } from './embedded-flag.store';
import { storeHealth, type FlagStore, type StoreHealth, type WriteOptions } from './flag-store';
import { isPending, UnleashAdminClient } from './unleash-admin.client';
import { planWrite, readRemote, refuseLosingNative } from './unleash-write-plan';
import { hasUnleashBackup, SyncMarker } from './sync-marker';

type UnleashSettings = NonNullable<AppConfig['unleash']>;
type FlagDescription = {
  name: string;
  type: string;
  description: string | null;
  defaultEnabled: boolean;
};

/** Longest time a write of this instance overrides the polled snapshot (see `written`). */
const RYW_MAX_MS = 30_000;

function sameState(a: FeatureState, b: FeatureState): boolean {
  const norm = (s: FeatureState) =>
    JSON.stringify({
      ...s.gates,
      actors: [...s.gates.actors].sort(),
      featureGroups: [...s.gates.featureGroups].sort(),
      // The SDK's copy has no strategy ids: compare what evaluation uses.
      native: s.unleash?.environmentEnabled
        ? s.unleash.strategies
            .filter((n) => !n.disabled)
            .map((n) => [
              n.name,
              n.parameters,
              (n.constraints ?? []).map((c) => [
                c.contextName,
                c.operator,
                c.values ?? [],
                c.value ?? null,
                c.inverted === true,
                c.caseInsensitive === true,
              ]),
            ])
        : [],
    });
  return norm(a) === norm(b);
}

/** The SDK's public isEnabled copies the context on every call (3-4x slower); go to its engine. */
class FastUnleash extends Unleash {
  evaluate(name: string, context: Context, fallback: () => boolean): boolean {
    return this.client ? this.client.isEnabled(name, context, fallback) : fallback();
  }
}

/**
 * Flags from a real Unleash server: unleash-client polls (UNLEASH_REFRESH_INTERVAL_MS) and keeps
 * a backup file, so decisions survive Unleash going away (last known state, reported stale).
 * Writes go through the Admin API and are undone if any call of the change fails.
 */
export class UnleashFlagStore implements FlagStore {
  readonly kind = 'unleash' as const;
  private client?: FastUnleash;
  private readonly admin: UnleashAdminClient;
  private lastSyncAt: Date | null = null;
  /** The last sync recorded before this start (what the backup file's snapshot is as of). */
  private restoredSyncAt: Date | null = null;
  private marker?: SyncMarker;
  private lastError?: string;
  private readonly definitions = new Map<string, FlagDescription>();
  /** Features we are still creating (PENDING_MARK): evaluated by their definition default. */
  private pending: ReadonlySet<string> = new Set();
  /**
   * Read-your-writes: what this instance wrote (or deleted, persisted: false), answered and
   * evaluated until the SDK's polled snapshot shows the same gates, or for RYW_MAX_MS at most
   * (so a later change made on another instance is never hidden for longer than that).
   */
  private readonly written = new Map<string, { state: FeatureState; until: number }>();
  private readonly writtenEngine = new FlagEngine();

  constructor(
    private readonly settings: UnleashSettings,
    private readonly audit: AuditRepository,
    private readonly opts: { staleAfterMs: number; dataDir: string },
  ) {
    this.admin = new UnleashAdminClient({ ...settings, adminToken: settings.adminToken });
  }

  /** Flag types for creating features in Unleash (called by the flags service at boot). */
  describe(defs: Iterable<FlagDescription>): void {
    for (const d of defs) this.definitions.set(d.name, d);
  }

  async start(): Promise<void> {
    const backupPath = path.join(this.opts.dataDir, 'unleash-backup');
    fs.mkdirSync(backupPath, { recursive: true });
    const marker = (this.marker = new SyncMarker(backupPath));
    this.restoredSyncAt = marker.read(hasUnleashBackup(backupPath));
    const client = new FastUnleash({
      url: `${this.settings.url}/api/`,
      appName: this.settings.appName,
      environment: this.settings.environment,
      projectName: this.settings.project,
      refreshInterval: this.settings.refreshIntervalMs,
      customHeaders: { Authorization: this.settings.apiToken },
      disableMetrics: true,
      strategies: [new ActorsStrategy()],
      backupPath,
      timeout: 5000,
    });
    this.client = client;
    const synced = () => {
      this.lastSyncAt = new Date();
      this.lastError = undefined;
      marker.note(this.lastSyncAt);
    };
    client.on('changed', (features: Array<{ name: string; description?: string | null }>) => {
      this.pending = new Set(features.filter((f) => isPending(f.description)).map((f) => f.name));
      this.forgetSeenWrites();
      synced();
    });
    client.on('unchanged', synced);
    client.on('synchronized', synced);
    client.on('error', (err: Error) => {
      if (this.lastError !== err.message)
        rootLogger.warn({ err: err.message }, 'Unleash unreachable; serving the last known flags');
      this.lastError = err.message;
    });
    client.on('warn', () => undefined);
    // Wait briefly for the first fetch; without it we start from the backup file (or defaults).
    await Promise.race([
      new Promise<void>((resolve) => client.once('synchronized', () => resolve())),
      new Promise<void>((resolve) => setTimeout(resolve, 5000).unref()),
    ]);
    await this.admin.ensureContextFields().catch((err: Error) => {
      rootLogger.warn(
        { err: err.message },
        'could not prepare Unleash context fields; writes will retry',
      );
    });
  }

  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    // destroy() removes every listener from the SDK's internal repository, and a fetch still in
    // flight (Unleash down: connect refused, or hung) then emits 'error' there with no listener:
    // an unhandled 'error' that crashed shutdown. A no-op listener goes back on after destroy().
    const repository = (client as unknown as { repository?: NodeJS.EventEmitter }).repository;
    client.destroy();
    client.on('error', () => undefined);
    repository?.on('error', () => undefined);
  }

  isEnabled(name: string, context: Context, fallback: () => boolean): boolean {
    if (this.written.size > 0 && this.writtenState(name)) {
      return this.writtenEngine.isEnabled(name, context, fallback);
    }
    if (!this.client || (this.pending.size > 0 && this.pending.has(name))) return fallback();
    return this.client.evaluate(name, context, fallback);
  }

  state(name: string): FeatureState {
    return this.writtenState(name) ?? this.polledState(name);
  }

  private writtenState(name: string): FeatureState | undefined {
    const entry = this.written.get(name);
    if (!entry) return undefined;
    if (Date.now() <= entry.until) return entry.state;
    this.forget(name);
    return undefined;
  }

  /** After a write is acknowledged, this instance answers with it (GET, list, evaluation). */
  private remember(state: FeatureState): void {
    this.written.set(state.name, { state, until: Date.now() + RYW_MAX_MS });
    this.writtenEngine.load([...this.written.values()].map((e) => e.state));
  }

  private forget(name: string): void {
    this.written.delete(name);
    this.writtenEngine.load([...this.written.values()].map((e) => e.state));
  }

  /** Writes the polled snapshot now shows are no longer needed. */
  private forgetSeenWrites(): void {
    for (const [name, { state }] of this.written) {
      const polled = this.polledState(name);
      const same =
        polled.persisted === state.persisted && (!state.persisted || sameState(polled, state));
      if (same) this.forget(name);
    }
  }

  private polledState(name: string): FeatureState {
    const def = this.client?.getFeatureToggleDefinition(name);
    if (!def || isPending(def.description)) return { name, persisted: false, gates: emptyGates() };
    const strategies = (def.strategies ?? []) as unknown as NativeStrategy[];
    const { gates, foreign } = strategiesToGates(strategies, def.enabled);
    return {
      name,
      persisted: true,
      gates,
      unleash: { environmentEnabled: def.enabled, strategies: foreign },
    };
  }

  states(): FeatureState[] {
    const names = new Set((this.client?.getFeatureToggleDefinitions() ?? []).map((d) => d.name));
    for (const name of this.written.keys()) names.add(name);
    return [...names].map((name) => this.state(name)).filter((s) => s.persisted);
  }

  async update(
    name: string,
    change: (before: FlagGates) => FlagGates,
    actor: Actor,
    options: WriteOptions = {},
  ): Promise<FeatureState> {
    return this.admin.guard(() => this.doUpdate(name, change, actor, options));
  }

  private async doUpdate(
    name: string,
    change: (before: FlagGates) => FlagGates,
    actor: Actor,
    options: WriteOptions,
  ): Promise<FeatureState> {
    await this.admin.ensureContextFields();
    const def = this.definitions.get(name);
    const remote = await this.admin.read(name);
    const current = remote ?? { enabled: false, strategies: [], pending: false };
    // Not in Unleash yet (or never finished): gates start empty, but the state before the
    // change was the definition default, and that is what the audit event records.
    const persisted = remote !== undefined && !remote.pending;
    const read = readRemote(current);
    const before: FeatureState = { name, persisted, gates: read.gates, unleash: read.native };
    const gates = change(read.gates);
    const { plan, native } = planWrite(name, this.settings.environment, current, gates, options);
    await this.admin.applyPlan(name, current, plan, {
      type: def?.type ?? 'release',
      description: def?.description ?? null,
      create: remote === undefined,
    });
    const after: FeatureState = { name, persisted: true, gates, unleash: native };
    this.remember(after);
    await this.audit.record(
      auditEntry(
        actor,
        `feature_flag_${featureStateName(after)}`,
        name,
        before,
        after,
        def?.defaultEnabled,
        options,
      ),
    );
    return after;
  }

  async remove(name: string, actor: Actor, options: WriteOptions = {}): Promise<void> {
    const before = this.state(name);
    await this.admin.guard(async () => {
      if (!options.discardUnleashStrategies) refuseLosingNative(name, await this.admin.read(name));
      await this.admin.remove(name);
    });
    this.remember({ name, persisted: false, gates: emptyGates() });
    await this.audit.record(
      auditEntry(
        actor,
        'feature_flag_deleted',
        name,
        before,
        undefined,
        this.definitions.get(name)?.defaultEnabled,
        options,
      ),
    );
  }

  health(): StoreHealth {
    return {
      ...storeHealth(this.kind, this.lastSyncAt, this.opts.staleAfterMs, this.lastError),
      snapshotSyncedAt: this.lastSyncAt ?? this.restoredSyncAt,
    };
  }
}
