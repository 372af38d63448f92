import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../project-root';
import {
  contractSchema,
  type AigwContract,
  type CatalogueModel,
  type FieldSpec,
  type ModelSpec,
  type TypeSpec,
  type UnitPrimitive,
} from './aigw-contract.schema';
import { AIGW_PINNED_COMMIT, AIGW_PINNED_COMMIT_DATE } from './aigw-pin';

/**
 * The pinned AI Gateway's contract (config/aigw/contract.json, derived from the gateway's source
 * by `npm run aigw:derive`), typed. Imported by the twin (src/stub-gateway) and by the service;
 * it depends on nothing but node and zod, so neither side gets an import cycle through it.
 */

export { AIGW_PINNED_COMMIT, AIGW_PINNED_COMMIT_DATE };
export type { AigwContract, CatalogueModel, FieldSpec, ModelSpec, TypeSpec, UnitPrimitive };

/** `KindUseCase` values of the gateway: the use cases of the v2 model-name allowlist. */
export const USE_CASE_COMPLETIONS = 'code completions';
export const USE_CASE_GENERATIONS = 'code generations';

export const AIGW_CONTRACT_FILE = path.join(projectRoot(), 'config', 'aigw', 'contract.json');

let cached: AigwContract | undefined;

/** Reads and checks a contract file; throws naming the file and the first bad path. */
export function loadAigwContract(file: string = AIGW_CONTRACT_FILE): AigwContract {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read the AI Gateway contract: ${(err as Error).message}`);
  }
  const parsed = contractSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file}: not a valid AI Gateway contract at ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  if (parsed.data.source.commit !== AIGW_PINNED_COMMIT) {
    throw new Error(
      `${file} was derived from ${parsed.data.source.commit}, but AIGW_PINNED_COMMIT is ` +
        `${AIGW_PINNED_COMMIT}: run npm run aigw:derive again`,
    );
  }
  return parsed.data;
}

/** The pinned contract, loaded once. */
export function aigwContract(): AigwContract {
  cached ??= loadAigwContract();
  return cached;
}

/** A request model by its key (e.g. `v2.SuggestionsRequest`); throws for an unknown key. */
export function contractModel(key: string): ModelSpec {
  const m = aigwContract().models[key];
  if (!m) throw new Error(`AI Gateway contract: no model ${key}`);
  return m;
}

/** The non-null branch of an `Optional[...]`, or the type itself. */
export function unwrapOptional(t: TypeSpec): TypeSpec {
  if (t.kind !== 'union') return t;
  const rest = t.anyOf.filter((x) => x.kind !== 'null');
  return rest.length === 1 && rest[0] ? rest[0] : t;
}

function maxLengthOf(modelKey: string, field: string): number {
  const spec = contractModel(modelKey).fields[field];
  const t = spec ? unwrapOptional(spec.type) : undefined;
  const n = t?.kind === 'str' ? t.maxLength : t?.kind === 'list' ? t.maxItems : undefined;
  if (n === undefined) throw new Error(`AI Gateway contract: ${modelKey}.${field} has no limit`);
  return n;
}

/** The gateway's limits Switchboard's edge must enforce, read from the pinned contract. */
export interface AigwLimits {
  projectPath: number;
  fileName: number;
  languageIdentifier: number;
  contentAboveCursor: number;
  contentBelowCursor: number;
  modelName: number;
  v2ContextItems: number;
  v2ContextContent: number;
  contextTypeAndName: number;
  v4PromptComponents: number;
  v4CodeContextContent: number;
  v4GenerationPrompt: number;
  telemetryItems: number;
  telemetryStrings: number;
}

export function aigwLimits(): AigwLimits {
  return {
    projectPath: maxLengthOf('v2.SuggestionsRequest', 'project_path'),
    fileName: maxLengthOf('v2.CurrentFile', 'file_name'),
    languageIdentifier: maxLengthOf('v2.CurrentFile', 'language_identifier'),
    contentAboveCursor: maxLengthOf('v2.CurrentFile', 'content_above_cursor'),
    contentBelowCursor: maxLengthOf('v2.CurrentFile', 'content_below_cursor'),
    modelName: maxLengthOf('v2.SuggestionsRequest', 'model_name'),
    v2ContextItems: maxLengthOf('v2.SuggestionsRequest', 'context'),
    v2ContextContent: maxLengthOf('v2.CodeContextPayload', 'content'),
    contextTypeAndName: maxLengthOf('v2.CodeContextPayload', 'name'),
    v4PromptComponents: maxLengthOf('v4.CompletionRequest', 'prompt_components'),
    v4CodeContextContent: maxLengthOf('v4.CodeContextPayload', 'content'),
    v4GenerationPrompt: maxLengthOf('v4.EditorContentGenerationPayload', 'prompt'),
    telemetryItems: maxLengthOf('v2.SuggestionsRequest', 'telemetry'),
    telemetryStrings: maxLengthOf('telemetry.Telemetry', 'model_name'),
  };
}

/** Model names `/v2/code/completions` (or generations) accepts for a provider. */
export function allowedModels(useCase: string, provider: string): string[] {
  return [...(aigwContract().allowlist[useCase]?.[provider] ?? [])];
}

/** Whether the pinned gateway's v2 validator lets `name` through for the use case and provider. */
export function isModelAllowed(useCase: string, provider: string, name: string): boolean {
  return allowedModels(useCase, provider).includes(name.trim());
}

/** The gateway's 422 message for a v2 model name it does not accept (without pydantic's prefix). */
export function modelNotSupportedMessage(name: string, useCase: string, provider: string): string {
  const v = aigwContract().modelNameValidation;
  const known = aigwContract().useCases[useCase] && aigwContract().providers[provider];
  return (known ? v.unsupported : v.unknown)
    .replace('{model_name}', name)
    .replace('{use_case}', useCase)
    .replace('{provider}', provider);
}

/** Model fields the gateway's `/v1/models/definitions` answer carries. */
export type DefinitionsModel = Omit<
  CatalogueModel,
  'x_model_class_provider' | 'x_custom_llm_provider' | 'x_params_model'
>;
export interface ModelDefinitions {
  models: DefinitionsModel[];
  unit_primitives: UnitPrimitive[];
}

/** What the pinned gateway answers on `GET /v1/models/definitions` (multi-default flag off). */
export function modelDefinitions(): ModelDefinitions {
  const c = aigwContract().catalogue;
  return {
    models: c.models.map((m) => ({
      name: m.name,
      identifier: m.identifier,
      provider: m.provider,
      deprecation: m.deprecation,
      description: m.description,
      cost_indicator: m.cost_indicator,
    })),
    unit_primitives: c.unit_primitives.map((u) => structuredClone(u)),
  };
}

/** A catalogue model by its `gitlab_identifier`. */
export function catalogueModel(identifier: string): CatalogueModel | undefined {
  return aigwContract().catalogue.models.find((m) => m.identifier === identifier);
}

/** A feature setting (e.g. `code_completions`) of the catalogue. */
export function featureSetting(name: string): UnitPrimitive | undefined {
  return aigwContract().catalogue.unit_primitives.find((u) => u.feature_setting === name);
}

export type ModelMetadataResolution =
  | {
      ok: true;
      /** Which field chose the model. */
      by: 'identifier' | 'feature_setting' | 'name';
      model: CatalogueModel;
      /** `model_metadata.provider` as sent. */
      provider: string;
    }
  | { ok: false; reason: string };

/**
 * Resolves a `model_metadata` object as the pinned gateway does for its catalogue providers
 * (`gitlab`, `fireworks_ai`, `mistral`, and any other provider string, which it treats as gitlab):
 * `name` or `identifier` names a catalogue model, else `feature_setting` gives that feature's
 * first default model. `amazon_q` resolves to the catalogue's `amazon_q` model. A failure carries
 * the gateway's message; note the gateway does not refuse such a request but ignores the
 * metadata and serves the feature's default model.
 */
const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

export function resolveModelMetadata(meta: unknown): ModelMetadataResolution {
  const msgs = aigwContract().modelMetadata;
  if (meta === null || typeof meta !== 'object' || !('provider' in meta)) {
    return { ok: false, reason: 'Argument error: provider must be present.' };
  }
  const m = meta as Record<string, unknown>;
  const provider = str(m.provider);
  const pick = (id: unknown, by: 'identifier' | 'name'): ModelMetadataResolution => {
    const model = catalogueModel(str(id));
    return model
      ? { ok: true, by, model, provider }
      : { ok: false, reason: msgs.unknownIdentifierMessage.replace('{model_id}', str(id)) };
  };
  if (provider === 'amazon_q') return pick('amazon_q', 'name');
  if (m.name) return pick(m.name, 'name');
  if (provider === 'fireworks_ai' || provider === 'mistral') {
    return { ok: false, reason: `No LLM definition found for model ${str(m.name)}.` };
  }
  if (m.identifier) return pick(m.identifier, 'identifier');
  if (m.feature_setting) {
    const fs = featureSetting(str(m.feature_setting));
    const first = fs?.default_models[0];
    if (!fs || !first) {
      return {
        ok: false,
        reason: msgs.unknownFeatureSettingMessage.replace(
          '{feature_setting_name}',
          str(m.feature_setting),
        ),
      };
    }
    const r = pick(first, 'identifier');
    return r.ok ? { ...r, by: 'feature_setting' } : r;
  }
  return {
    ok: false,
    reason: 'Argument error: either identifier or feature_setting must be present.',
  };
}

/**
 * The model a v2 completion with a legacy `model_provider`/`model_name` is served by: the
 * gateway's `LEGACY_COMPLETION_MODEL_TO_GITLAB_IDENTIFIER`, else the name itself (which must then
 * be a catalogue identifier, or the gateway fails the request with a 500).
 */
export function legacyCompletionIdentifier(provider: string, name: string): string {
  return aigwContract().legacyCompletionIdentifiers[`${provider}/${name}`] ?? name;
}

/** Provider and model of a generation with `prompt_id` (SAAS_PROMPT_MODEL_MAP); undefined: a 500. */
export function saasPromptModel(
  promptVersion: string | null | undefined,
): { provider: string; model: string } | undefined {
  const s = aigwContract().saasPromptModels;
  return s.versions[promptVersion || s.default];
}
