import { DomainError } from '../../common/errors/domain-error';
import {
  FlagGates,
  gatesToStrategies,
  NativeStrategy,
  strategiesToGates,
  type UnleashNative,
} from '../gates';
import { describeStrategy } from '../unleash-native';
import type { WriteOptions } from './flag-store';
import type { RemoteState, RemoteStrategy, StrategyPlan } from './unleash-admin.client';

/** The option that lets a write remove strategies made in Unleash (docs/unleash.md). */
export const DISCARD_OPTION = 'discard_unleash_strategies';

/** What the flag holds in Unleash, split into our gates and the strategies no gate expresses. */
export function readRemote(current: RemoteState): {
  gates: FlagGates;
  ours: RemoteStrategy[];
  native: { environmentEnabled: boolean; strategies: RemoteStrategy[] };
} {
  // A feature we are still creating holds only strategies we just added, while still disabled.
  const parsed = strategiesToGates(current.strategies, current.enabled || current.pending);
  const foreign = new Set<NativeStrategy>(parsed.foreign);
  return {
    gates: parsed.gates,
    ours: current.strategies.filter((s) => !foreign.has(s)),
    native: {
      environmentEnabled: current.enabled,
      strategies: current.strategies.filter((s) => foreign.has(s)),
    },
  };
}

const listed = (strategies: NativeStrategy[]) =>
  strategies.map((s, i) => `(${i + 1}) ${describeStrategy(s)}`).join(' ');

/**
 * The calls that take the flag from `current` to `gates` without touching a strategy made in
 * Unleash: ours are replaced, theirs are kept. "Off for everyone" switches the environment
 * off (theirs stop applying, nothing is removed); anything else that would have to switch a
 * switched-off environment holding theirs back on is refused (409), since that would revive
 * them. `discardUnleashStrategies` removes theirs instead.
 */
export function planWrite(
  name: string,
  environment: string,
  current: RemoteState,
  gates: FlagGates,
  options: WriteOptions,
): { plan: StrategyPlan; native: UnleashNative } {
  const read = readRemote(current);
  const discard = options.discardUnleashStrategies === true;
  const kept = discard ? [] : read.native.strategies;
  const keptActive = kept.filter((s) => !s.disabled);
  const add = options.offForEveryone ? [] : gatesToStrategies(name, gates);
  const enabled =
    !options.offForEveryone && (add.length > 0 || (current.enabled && keptActive.length > 0));
  if (enabled && !current.enabled && keptActive.length > 0 && !current.pending) {
    throw new DomainError(
      'conflict',
      `${name} is switched off in Unleash (environment ${environment}) and holds ` +
        `${keptActive.length} strategies made there: ${listed(keptActive)}. This change would ` +
        `switch them on. Switch the flag on in Unleash, or pass ${DISCARD_OPTION}=true to remove them.`,
    );
  }
  return {
    plan: { add, remove: [...read.ours, ...(discard ? read.native.strategies : [])], enabled },
    native: { environmentEnabled: enabled, strategies: kept },
  };
}

/** Deleting the flag archives it in Unleash: refused while it holds strategies made there. */
export function refuseLosingNative(name: string, current: RemoteState | undefined): void {
  if (!current) return;
  const { native } = readRemote(current);
  if (native.strategies.length === 0) return;
  throw new DomainError(
    'conflict',
    `Deleting ${name} would remove ${native.strategies.length} strategies made in Unleash: ` +
      `${listed(native.strategies)}. Remove them in Unleash, or pass ${DISCARD_OPTION}=true.`,
  );
}
