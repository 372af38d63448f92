import * as fs from 'node:fs';
import * as yaml from 'js-yaml';
import {
  catalogueFileSchema,
  describeIssue,
  type CatalogueFile,
  type CompletionRuleFile,
  type ModelFile,
} from './model-catalogue.schema';
import { rolloutGuardOf, type RolloutGuard } from './rollout-guard-limits';
import type { GatewayApi, ModelSpec, PromptFormat } from './routing.types';

export type { AcceptanceGuard, RolloutGuard } from './rollout-guard-limits';

export type CompletionRule =
  | {
      readonly kind: 'failover';
      readonly id: string;
      readonly flag: string;
      readonly model: ModelSpec;
      readonly mode: 'automatic' | 'manual';
    }
  | {
      readonly kind: 'gateway_api';
      readonly id: string;
      readonly flag: string;
      readonly api: 'v4';
      readonly featureSetting: string;
    }
  | {
      readonly kind: 'beta';
      readonly id: string;
      readonly flag: string;
      readonly optOutFlag: string;
      readonly model: ModelSpec;
      readonly rolloutGuard: RolloutGuard;
    }
  | { readonly kind: 'default'; readonly id: string; readonly model: ModelSpec };

export type FailoverRule = Extract<CompletionRule, { kind: 'failover' }>;

export interface GenerationPolicy {
  readonly promptId: string;
  readonly promptVersion: string;
  readonly sseApi: Exclude<GatewayApi, 'v2'>;
  readonly defaultApi: Exclude<GatewayApi, 'v2'>;
  readonly failover?: { readonly flag: string; readonly promptVersion: string };
}

export interface ModelCatalogue {
  /** Where it was read from, for messages. */
  readonly source: string;
  readonly models: ReadonlyMap<string, ModelSpec>;
  /** In evaluation order; the default rule is last. */
  readonly completionRules: readonly CompletionRule[];
  /** The completion failover rule, if any (direct access and automatic failover need it). */
  readonly completionFailover?: FailoverRule;
  readonly generation: GenerationPolicy;
}

export type CatalogueFlagType = 'beta' | 'ops' | 'gitlab_com_derisk';

export interface CatalogueFlagRef {
  readonly name: string;
  /** The definition type the flag must have, by the role it plays here. */
  readonly type: CatalogueFlagType;
  readonly role: 'completion_failover' | 'gateway_api' | 'beta' | 'opt_out' | 'generation_failover';
}

export class ModelCatalogueError extends Error {}

/** Reads, validates and resolves config/models.yml. Any problem throws with the file and the field. */
export function loadModelCatalogue(
  file: string,
  definedFlags: ReadonlySet<string>,
): ModelCatalogue {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelCatalogueError(
      `${file}: cannot read the model catalogue: ${(err as Error).message}`,
    );
  }
  return parseModelCatalogue(text, file, definedFlags);
}

export function parseModelCatalogue(
  text: string,
  source: string,
  definedFlags: ReadonlySet<string>,
): ModelCatalogue {
  let raw: unknown;
  try {
    raw = yaml.load(text);
  } catch (err) {
    throw new ModelCatalogueError(
      `${source}: not valid YAML: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  return buildModelCatalogue(raw, source, definedFlags);
}

export function buildModelCatalogue(
  raw: unknown,
  source: string,
  definedFlags: ReadonlySet<string>,
): ModelCatalogue {
  const parsed = catalogueFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new ModelCatalogueError(`${source}: ${describeIssue(parsed.error.issues[0])}`);
  const fail = (field: string, problem: string): never => {
    throw new ModelCatalogueError(`${source}: ${field} ${problem}`);
  };
  const data: CatalogueFile = parsed.data;

  const models = new Map<string, ModelSpec>();
  data.models.forEach((m, i) => {
    if (models.has(m.key)) fail(`models[${i}].key`, `"${m.key}" is defined twice`);
    checkPromptShape(m, `models[${i}]`, fail);
    models.set(m.key, toModelSpec(m));
  });

  const flag = (name: string, field: string): string =>
    definedFlags.has(name) ? name : fail(field, `names flag "${name}", which has no definition`);
  const model = (k: string, field: string): ModelSpec =>
    models.get(k) ?? fail(field, `names model "${k}", which is not in models`);

  const rules = data.completion.rules.map((r, i) =>
    toRule(r, `completion.rules[${i}]`, flag, model),
  );
  checkRuleOrder(rules, fail);

  const gen = data.generation;
  const generation: GenerationPolicy = Object.freeze({
    promptId: gen.prompt_id,
    promptVersion: gen.prompt_version,
    sseApi: gen.api.sse,
    defaultApi: gen.api.default,
    failover: gen.failover && {
      flag: flag(gen.failover.flag, 'generation.failover.flag'),
      promptVersion: gen.failover.prompt_version,
    },
  });

  return Object.freeze({
    source,
    models,
    completionRules: Object.freeze(rules),
    completionFailover: rules.find((r): r is FailoverRule => r.kind === 'failover'),
    generation,
  });
}

/** Every flag the catalogue names, with the type its definition must have. */
export function catalogueFlags(cat: ModelCatalogue): CatalogueFlagRef[] {
  const out: CatalogueFlagRef[] = [];
  for (const r of cat.completionRules) {
    switch (r.kind) {
      case 'failover':
        out.push({ name: r.flag, type: 'ops', role: 'completion_failover' });
        break;
      case 'gateway_api':
        out.push({ name: r.flag, type: 'gitlab_com_derisk', role: 'gateway_api' });
        break;
      case 'beta':
        out.push(
          { name: r.flag, type: 'beta', role: 'beta' },
          { name: r.optOutFlag, type: 'ops', role: 'opt_out' },
        );
        break;
      case 'default':
        break;
    }
  }
  const gf = cat.generation.failover;
  if (gf) out.push({ name: gf.flag, type: 'ops', role: 'generation_failover' });
  return out;
}

/** The names alone, de-duplicated, in catalogue order. */
export function catalogueFlagNames(cat: ModelCatalogue): string[] {
  return [...new Set(catalogueFlags(cat).map((f) => f.name))];
}

const FORMAT_FOR_VERSION: Record<ModelSpec['promptVersion'], readonly PromptFormat[]> = {
  1: ['none'],
  2: ['codestral_fim'],
  3: ['anthropic_fim_messages'],
};

function checkPromptShape(m: ModelFile, at: string, fail: (f: string, p: string) => never): void {
  const allowed = FORMAT_FOR_VERSION[m.prompt_version];
  if (allowed.includes(m.prompt_format)) return;
  const fits = `fit prompt_version ${m.prompt_version} (use ${allowed.join(' or ')})`;
  fail(`${at}.prompt_format`, `"${m.prompt_format}" does not ${fits}`);
}

function toModelSpec(m: ModelFile): ModelSpec {
  return Object.freeze({
    key: m.key,
    provider: m.provider,
    name: m.name,
    promptVersion: m.prompt_version,
    promptFormat: m.prompt_format,
    stopTokens: Object.freeze([...m.stop_tokens]),
    postProcessing: Object.freeze([...new Set(m.post_processing)]),
    maxInputChars: m.max_input_chars,
    ...(m.gitlab_identifier !== undefined ? { gitlabIdentifier: m.gitlab_identifier } : {}),
    ...(m.max_tokens !== undefined ? { maxTokens: m.max_tokens } : {}),
  });
}

function toRule(
  r: CompletionRuleFile,
  at: string,
  flag: (name: string, field: string) => string,
  model: (key: string, field: string) => ModelSpec,
): CompletionRule {
  switch (r.rule) {
    case 'failover':
      return {
        kind: 'failover',
        id: 'completion.failover',
        flag: flag(r.flag, `${at}.flag`),
        model: model(r.model, `${at}.model`),
        mode: r.mode,
      };
    case 'gateway_api':
      return {
        kind: 'gateway_api',
        id: `completion.gateway_api_${r.api}`,
        flag: flag(r.flag, `${at}.flag`),
        api: r.api,
        featureSetting: r.feature_setting,
      };
    case 'beta':
      return {
        kind: 'beta',
        id: `completion.beta:${r.model}`,
        flag: flag(r.flag, `${at}.flag`),
        optOutFlag: flag(r.opt_out_flag, `${at}.opt_out_flag`),
        model: model(r.model, `${at}.model`),
        rolloutGuard: rolloutGuardOf(r.rollout_guard),
      };
    case 'default':
      return { kind: 'default', id: 'completion.default', model: model(r.model, `${at}.model`) };
  }
}

/**
 * The engine stops at the first model rule that matches, so switches (failover, v4) must come
 * before beta rules, and exactly one default must close the list.
 */
function checkRuleOrder(
  rules: CompletionRule[],
  fail: (field: string, problem: string) => never,
): void {
  let seenModelRule = false;
  const seen = new Set<string>();
  rules.forEach((r, i) => {
    const at = `completion.rules[${i}]`;
    if (r.kind === 'failover' || r.kind === 'gateway_api') {
      if (seen.has(r.kind)) fail(`${at}.rule`, `"${r.kind}" may appear only once`);
      if (seenModelRule) fail(`${at}.rule`, `"${r.kind}" must come before beta and default rules`);
    } else {
      seenModelRule = true;
    }
    if (r.kind === 'beta' && r.optOutFlag === r.flag)
      fail(`${at}.opt_out_flag`, 'must differ from flag');
    if (r.kind === 'beta' && seen.has(r.id))
      fail(`${at}.model`, `"${r.model.key}" has a beta rule already`);
    if (
      (r.kind === 'beta' || r.kind === 'default') &&
      seen.has('gateway_api') &&
      !r.model.gitlabIdentifier
    )
      fail(`${at}.model`, `"${r.model.key}" needs a gitlab_identifier (the rules send it on v4)`);
    if (r.kind === 'default' && i !== rules.length - 1)
      fail(`${at}.rule`, '"default" must be the last rule');
    seen.add(r.kind === 'beta' ? r.id : r.kind);
  });
  if (!seen.has('default')) fail('completion.rules', 'must end with a "default" rule');
}
