import { EventEmitter } from 'node:events';
import UnleashClient from 'unleash-client/lib/client';
import { defaultStrategies } from 'unleash-client/lib/strategy';
import type { Context } from 'unleash-client/lib/context';
import type { EnhancedFeatureInterface, FeatureInterface } from 'unleash-client/lib/feature';
import type { RepositoryInterface } from 'unleash-client/lib/repository';
import type { Segment } from 'unleash-client/lib/strategy/strategy';
import { ActorsStrategy } from './actors-strategy';
import { FeatureState, gatesToStrategies } from './gates';
import { activeNative } from './unleash-native';

/** An in-memory repository that unleash-client evaluates against: our snapshot, no server. */
class SnapshotRepository extends EventEmitter implements RepositoryInterface {
  private toggles = new Map<string, FeatureInterface>();

  replace(toggles: Map<string, FeatureInterface>): void {
    this.toggles = toggles;
  }
  /** One toggle set or (undefined) removed; the others stay as loaded. */
  put(name: string, toggle: FeatureInterface | undefined): void {
    if (toggle) this.toggles.set(name, toggle);
    else this.toggles.delete(name);
  }
  getToggle(name: string): FeatureInterface | undefined {
    return this.toggles.get(name);
  }
  getToggles(): FeatureInterface[] {
    return [...this.toggles.values()];
  }
  getTogglesWithSegmentData(): EnhancedFeatureInterface[] {
    return this.getToggles() as EnhancedFeatureInterface[];
  }
  getSegment(_id: number): Segment | undefined {
    return undefined;
  }
  stop(): void {}
  async start(): Promise<void> {}
}

/** Our gates' strategies, then the Unleash-native ones that apply, as Unleash would serve them. */
export function toToggle(state: FeatureState): FeatureInterface {
  const own = gatesToStrategies(state.name, state.gates);
  // Segments live in Unleash only: a strategy that uses one cannot be evaluated here, so it
  // becomes a strategy type no engine knows (never matches). Dropping it instead could leave an
  // enabled flag with no strategy, which unleash-client reads as on for everyone.
  const native = activeNative(state.unleash).map((s) =>
    s.segments && s.segments.length > 0
      ? { name: 'switchboardUnevaluableSegment', parameters: {}, constraints: [] }
      : s,
  );
  const strategies = [...own, ...native].map((s) => ({
    name: s.name,
    parameters: s.parameters,
    constraints: (s.constraints ?? []).map((c) => ({
      ...c,
      values: c.values ?? [],
      inverted: c.inverted ?? false,
    })),
  })) as FeatureInterface['strategies'];
  return {
    name: state.name,
    enabled: own.length + native.length > 0,
    strategies,
    variants: [],
    impressionData: false,
  };
}

/**
 * Evaluates flags through unleash-client's own engine (the same code that evaluates flags
 * fetched from an Unleash server) over a snapshot of gate states held in memory.
 */
export class FlagEngine {
  private readonly repository = new SnapshotRepository();
  private readonly client = new UnleashClient(this.repository, [
    new ActorsStrategy(),
    ...defaultStrategies,
  ]);

  constructor() {
    this.client.on('error', () => undefined);
    this.client.on('warn', () => undefined);
  }

  load(states: Iterable<FeatureState>): void {
    const toggles = new Map<string, FeatureInterface>();
    for (const s of states) if (s.persisted) toggles.set(s.name, toToggle(s));
    this.repository.replace(toggles);
  }

  /**
   * One flag's new state (undefined: deleted) without rebuilding the others' toggles: a write
   * re-derives only the flag it changed.
   */
  put(name: string, state: FeatureState | undefined): void {
    this.repository.put(name, state?.persisted ? toToggle(state) : undefined);
  }

  isEnabled(name: string, context: Context, fallback: () => boolean): boolean {
    return this.client.isEnabled(name, context, fallback);
  }
}

/** Evaluate one flag state in isolation (used by explain to find the deciding gate). */
export function evaluateState(state: FeatureState, context: Context, fallback: boolean): boolean {
  const engine = new FlagEngine();
  engine.load([state]);
  return engine.isEnabled(state.name, context, () => fallback);
}
