import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadFlagDefinitions } from '../../../src/flags/flag-definitions';
import {
  loadModelCatalogue,
  parseModelCatalogue,
  type ModelCatalogue,
} from '../../../src/routing/model-catalogue';
import type {
  BreakerView,
  FlagOracle,
  RoutingContext,
  RoutingRequest,
} from '../../../src/routing/routing.types';

export const ROOT = path.resolve(__dirname, '../../..');
export const MODELS_FILE = path.join(ROOT, 'config/models.yml');
export const FLAG_DIR = path.join(ROOT, 'config/feature_flags');

export const flagDefinitions = loadFlagDefinitions(FLAG_DIR);
export const DEFINED_FLAGS: ReadonlySet<string> = new Set(flagDefinitions.keys());

export const shippedCatalogue = (): ModelCatalogue =>
  loadModelCatalogue(MODELS_FILE, DEFINED_FLAGS);

/** The shipped catalogue with its text edited (e.g. failover mode manual). */
export function editedCatalogue(
  edit: (yamlText: string) => string,
  flags = DEFINED_FLAGS,
): ModelCatalogue {
  return parseModelCatalogue(
    edit(fs.readFileSync(MODELS_FILE, 'utf8')),
    'edited-models.yml',
    flags,
  );
}

/** Flag answers as a table: flags on for the user, per group id, for the instance. */
export interface FlagTable {
  user?: string[];
  groups?: Record<string, number[]>;
  instance?: string[];
}

export interface FakeOracle extends FlagOracle {
  /** Flags asked, in order, as `user:flag`, `group:flag:id`, `instance:flag`. */
  readonly asked: string[];
}

/**
 * Like FlagsService, the fake throws for a flag with no definition: routing code that asks for
 * an undefined (e.g. misspelt) flag fails its tests instead of silently reading "off".
 * `defined`: the definitions in force (add the flags of a test-only catalogue).
 */
export function fakeFlags(
  table: FlagTable = {},
  defined: ReadonlySet<string> = DEFINED_FLAGS,
): FakeOracle {
  const asked: string[] = [];
  const check = (flag: string) => {
    if (!defined.has(flag)) throw new Error(`feature flag ${flag} has no definition`);
  };
  for (const flag of [
    ...(table.user ?? []),
    ...Object.keys(table.groups ?? {}),
    ...(table.instance ?? []),
  ])
    check(flag);
  return {
    asked,
    forUser: (flag) => {
      check(flag);
      asked.push(`user:${flag}`);
      return table.user?.includes(flag) ?? false;
    },
    forGroup: (flag, groupId) => {
      check(flag);
      asked.push(`group:${flag}:${groupId}`);
      return table.groups?.[flag]?.includes(groupId) ?? false;
    },
    forInstance: (flag) => {
      check(flag);
      asked.push(`instance:${flag}`);
      return table.instance?.includes(flag) ?? false;
    },
  };
}

/** Breakers open for `provider/name` entries. */
export function breakersOpenFor(...open: string[]): BreakerView {
  return { isOpen: (provider, model) => open.includes(`${provider}/${model}`) };
}

/** Breakers open for these entries, their wait over: not open for routing, open by state. */
export function breakersDueForProbe(...due: string[]): BreakerView {
  return {
    isOpen: () => false,
    state: (provider, model) => (due.includes(`${provider}/${model}`) ? 'open' : 'closed'),
  };
}

export function request(over: Partial<RoutingRequest> = {}): RoutingRequest {
  return {
    intent: 'completion',
    contentAboveCursor: 'def add(a, b):\n    return ',
    fileName: 'main.py',
    supportsSseStreaming: false,
    ...over,
  };
}

export const GROUP_A = 9970;
export const GROUP_B = 42;

export function context(over: Partial<RoutingContext> = {}): RoutingContext {
  return {
    realm: 'saas',
    instanceDirectDisabled: false,
    seatGroups: [
      { id: GROUP_A, directCodeSuggestionsEnabled: true },
      { id: GROUP_B, directCodeSuggestionsEnabled: true },
    ],
    ...over,
  };
}

export const F = {
  v4: 'code_completion_v4_endpoint',
  failover: 'incident_fail_over_completion_provider',
  genFailover: 'incident_fail_over_generation_provider',
  codestral: 'code_completion_model_codestral_2508_vertex',
  optOut: 'code_completion_opt_out_codestral_2508_vertex',
} as const;
