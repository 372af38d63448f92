import type { Context } from 'unleash-client/lib/context';
import { AuditRepository, type AuditEntry } from '../../audit/audit.repository';
import type { ChangeBus } from '../../common/fleet/change-bus';
import { rootLogger } from '../../common/logging/logger';
import type { Actor } from '../../identity/users/users.service';
import { FlagEngine } from '../flag-engine';
import { diffList } from '../gate-diff';
import { emptyGates, FeatureState, FlagGates, presentGates, stateName } from '../gates';
import { featureStateName, presentNative } from '../unleash-native';
import { type BatchStep, EmbeddedFlagRepository } from './embedded-flag.repository';
import { storeHealth, type FlagStore, type StoreHealth, type WriteOptions } from './flag-store';

/**
 * Gates in our own database. Every instance polls a version counter (one tiny query every
 * FLAGS_POLL_INTERVAL_MS, default 500 ms) and reloads the snapshot when it moves, so a change
 * made anywhere is seen everywhere within a second; the change bus (REDIS_URL) makes it sooner.
 * Evaluations never touch the database.
 */
export class EmbeddedFlagStore implements FlagStore {
  readonly kind = 'embedded' as const;
  private readonly engine = new FlagEngine();
  private snapshot = new Map<string, FeatureState>();
  private version = -1n;
  private timer?: NodeJS.Timeout;
  private lastSyncAt: Date | null = null;
  private lastError?: string;
  private polling = false;
  private readonly defaults = new Map<string, boolean>();
  private writes: Promise<unknown> = Promise.resolve();
  private queued: QueuedChange[] = [];

  constructor(
    private readonly repo: EmbeddedFlagRepository,
    private readonly audit: AuditRepository,
    private readonly opts: { pollIntervalMs: number; staleAfterMs: number },
    private readonly bus?: ChangeBus,
  ) {
    bus?.subscribe('flags.changed', () => void this.poll());
  }

  /** Definition defaults, for the audit's "before" of a flag that was never set. */
  describe(defs: Iterable<{ name: string; defaultEnabled: boolean }>): void {
    for (const d of defs) this.defaults.set(d.name, d.defaultEnabled);
  }

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.poll(), this.opts.pollIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  isEnabled(name: string, context: Context, fallback: () => boolean): boolean {
    return this.engine.isEnabled(name, context, fallback);
  }

  state(name: string): FeatureState {
    return this.snapshot.get(name) ?? { name, persisted: false, gates: emptyGates() };
  }

  states(): FeatureState[] {
    return [...this.snapshot.values()];
  }

  /**
   * One change, written as the rows it changes. The flag's rows are not read when this process's
   * snapshot is at the version just before the change (the usual case: this process's own writes
   * run one at a time, see `serially`), and the snapshot then takes the change in memory instead
   * of reloading every flag: a write costs the change, not the flag (issue #27). Changes of one
   * flag that queue up behind a write in flight commit together in the next transaction (group
   * commit, `EmbeddedFlagRepository.updateBatch`), each acknowledged and audited as its own.
   */
  update(
    name: string,
    change: (before: FlagGates) => FlagGates,
    actor: Actor,
    options: WriteOptions = {},
  ): Promise<FeatureState> {
    return new Promise((resolve, reject) => {
      this.queued.push({ name, change, actor, options, resolve, reject });
      if (this.queued.length === 1) void this.serially(() => this.commitQueued());
    });
  }

  /** The queued changes of the first queued flag, in one transaction. */
  private async commitQueued(): Promise<void> {
    if (this.queued.length === 0) return;
    const name = this.queued[0].name;
    const batch = this.queued.filter((q) => q.name === name).slice(0, MAX_BATCH);
    this.queued = this.queued.filter((q) => !batch.includes(q));
    if (this.queued.length > 0) void this.serially(() => this.commitQueued());
    try {
      const done = await this.repo.updateBatch(
        name,
        batch.map((q) => (before: FeatureState) => q.change(before.gates)),
        (v) => (v === this.version ? this.state(name) : undefined),
        (tx, steps) => this.audit.recordMany(this.audited(name, batch, steps), tx),
      );
      if (done.version > 0n) {
        if (!this.applied(done.version, name, done.after)) await this.reload();
        this.bus?.publish('flags.changed', {});
      }
      done.steps.forEach((step, i) => {
        if ('error' in step) batch[i].reject(step.error);
        else batch[i].resolve(step.after);
      });
    } catch (err) {
      for (const q of batch) q.reject(err);
    }
  }

  /** One audit event per applied change, with that change's own before and after. */
  private audited(name: string, batch: QueuedChange[], steps: BatchStep[]): AuditEntry[] {
    return steps.flatMap((step, i) =>
      'error' in step
        ? []
        : [
            auditEntry(
              batch[i].actor,
              `feature_flag_${stateName(step.after.gates)}`,
              name,
              step.before,
              step.after,
              this.defaults.get(name),
              batch[i].options,
            ),
          ],
    );
  }

  async remove(name: string, actor: Actor, options: WriteOptions = {}): Promise<void> {
    await this.serially(async () => {
      const before = this.state(name);
      const { version } = await this.repo.remove(name, (tx) =>
        this.audit.record(
          auditEntry(
            actor,
            'feature_flag_deleted',
            name,
            before,
            undefined,
            this.defaults.get(name),
            options,
          ),
          tx,
        ),
      );
      if (!this.applied(version, name, undefined)) await this.reload();
      this.bus?.publish('flags.changed', {});
    });
  }

  /** This process's writes one after another (they serialize on the version row anyway). */
  private serially<T>(write: () => Promise<T>): Promise<T> {
    const run = this.writes.then(write, write);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /**
   * Takes a committed change into the snapshot when the snapshot was at the version just before
   * it (so nothing else changed in between); false when it was not, and a reload is needed.
   */
  private applied(version: bigint, name: string, state: FeatureState | undefined): boolean {
    if (this.version !== version - 1n) return false;
    if (state) this.snapshot.set(name, state);
    else this.snapshot.delete(name);
    this.engine.put(name, state);
    this.version = version;
    this.markSynced();
    return true;
  }

  health(): StoreHealth {
    return storeHealth(this.kind, this.lastSyncAt, this.opts.staleAfterMs, this.lastError);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const v = await this.repo.version();
      if (v !== this.version) await this.reload();
      else this.markSynced();
    } catch (err) {
      if (this.lastError === undefined) {
        rootLogger.warn(
          { err: (err as Error).message },
          'flag store poll failed; serving the last known flags',
        );
      }
      this.lastError = (err as Error).message;
    } finally {
      this.polling = false;
    }
  }

  private async reload(): Promise<void> {
    const { version, states } = await this.repo.loadAll();
    // a poll that read before a change this process has already taken in: keep the newer
    if (version < this.version) return;
    this.snapshot = new Map(states.map((s) => [s.name, s]));
    this.engine.load(states);
    this.version = version;
    this.markSynced();
  }

  private markSynced(): void {
    if (this.lastError !== undefined) rootLogger.info('flag store reachable again');
    this.lastSyncAt = new Date();
    this.lastError = undefined;
  }
}

/** Changes of one flag committed in one transaction at most (group commit). */
const MAX_BATCH = 64;

interface QueuedChange {
  name: string;
  change: (before: FlagGates) => FlagGates;
  actor: Actor;
  options: WriteOptions;
  resolve: (state: FeatureState) => void;
  reject: (err: unknown) => void;
}

/**
 * A flag that is not persisted is at its definition default: the audit records that effective
 * state (`at_default: true`, `default_enabled` and the state it evaluates to), not "off"; a
 * persisted one records its state (on, off, conditional) with its gates. The actor gate is recorded
 * as the change: `before` lists the actors it removed, `after` those it added, each with
 * `actor_count` (the whole list), so an audit event of a 10,000-actor flag is not 10,000 names
 * twice. Deleting the flag records every actor it had.
 * Strategies made in Unleash are recorded with the gates; `force` (no YAML definition) and
 * `discard_unleash_strategies` are recorded when the admin passed them.
 */
export function auditEntry(
  actor: Actor,
  action: string,
  name: string,
  before: FeatureState,
  after: FeatureState | undefined,
  defaultEnabled?: boolean,
  options: WriteOptions = {},
) {
  const asked = {
    ...(options.force ? { force: true } : {}),
    ...(options.discardUnleashStrategies ? { discard_unleash_strategies: true } : {}),
  };
  // `at_default`, not `default: true`: that read as "default on" for a flag whose default is off.
  const atDefault =
    defaultEnabled === undefined
      ? { at_default: true }
      : {
          at_default: true,
          default_enabled: defaultEnabled,
          state: defaultEnabled ? 'on' : 'off',
          gates: presentGates({ ...emptyGates(), boolean: defaultEnabled }),
        };
  // the diff's walk (gate-diff.ts), not a Set of every actor: the audit costs the change too
  const diff = after
    ? diffList(before.gates.actors, after.gates.actors)
    : { removed: before.gates.actors, added: [] };
  return {
    actorId: actor.id,
    actorName: actor.name,
    action,
    targetType: 'FeatureFlag',
    targetId: name,
    before: before.persisted ? audited(before, diff.removed) : atDefault,
    after: { ...(after ? audited(after, diff.added) : atDefault), ...asked },
  };
}

/** `state`'s gates with its actors cut to `actors` (those the other side has not). */
function audited(state: FeatureState, actors: string[]) {
  const { gates } = state;
  return {
    state: featureStateName(state),
    gates: [...presentGates({ ...gates, actors }), ...presentNative(state.unleash)],
    actor_count: gates.actors.length,
  };
}
