import type {
  FeatureState,
  FeatureStateName,
  NativeStrategy,
  UnleashNative,
  UnleashStrategy,
} from './gates';
import { stateName } from './gates';

/*
 * Unleash-native strategies (see UnleashNative in gates.ts): how they are counted, described
 * and shown.
 */

/** The gate key under which the Features API lists them. */
export const NATIVE_GATE = 'unleash_strategies';

/** Strategies that take part in evaluation: not disabled, environment on. */
export function activeNative(native: UnleashNative | undefined): NativeStrategy[] {
  if (!native?.environmentEnabled) return [];
  return native.strategies.filter((s) => !s.disabled);
}

/** on/off/conditional, counting Unleash-native strategies that apply as conditional. */
export function featureStateName(state: Pick<FeatureState, 'gates' | 'unleash'>): FeatureStateName {
  const own = stateName(state.gates);
  if (own !== 'off') return own;
  return activeNative(state.unleash).length > 0 ? 'conditional' : 'off';
}

const constraintText = (c: UnleashStrategy['constraints'][number]): string => {
  const values = c.values && c.values.length > 0 ? `[${c.values.join(', ')}]` : (c.value ?? '');
  return `${c.contextName} ${c.inverted ? 'NOT ' : ''}${c.operator} ${values}`.trim();
};

/** One line for people: `flexibleRollout rollout=100 stickiness=default; userId IN [User:1]`. */
export function describeStrategy(s: NativeStrategy): string {
  const params = Object.entries(s.parameters ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const head = [s.title ? `"${s.title}"` : '', s.name, params].filter(Boolean).join(' ');
  const parts = [head, ...(s.constraints ?? []).map(constraintText)];
  if (s.segments && s.segments.length > 0) parts.push(`segments ${s.segments.join(', ')}`);
  return parts.join('; ') + (s.disabled ? ' (disabled)' : '');
}

/** The Features API gate entry: each strategy as Unleash holds it, marked as Unleash-native. */
export function presentNative(native: UnleashNative | undefined) {
  if (!native || native.strategies.length === 0) return [];
  return [
    {
      key: NATIVE_GATE,
      value: native.strategies.map((s) => ({
        source: 'unleash',
        ...(s.id !== undefined ? { id: s.id } : {}),
        name: s.name,
        title: s.title ?? null,
        parameters: s.parameters ?? {},
        constraints: s.constraints ?? [],
        ...(s.segments && s.segments.length > 0 ? { segments: s.segments } : {}),
        disabled: s.disabled === true,
        active: native.environmentEnabled && !s.disabled,
        summary: describeStrategy(s),
      })),
    },
  ];
}
