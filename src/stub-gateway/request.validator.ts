import {
  aigwContract,
  catalogueModel,
  featureSetting,
  legacyCompletionIdentifier,
  resolveModelMetadata,
  saasPromptModel,
  type ModelMetadataResolution,
} from '../common/aigw/aigw-contract';
import { ContractValidator, type PydanticIssue } from './contract.validator';
import type { FaultTarget } from './fault.registry';
import { isRecord } from './http.util';
import type { ResolvedModel } from './model-catalog.constants';
import type { StubApi } from './stub-gateway.types';

/** What the responder needs from a validated request, whatever the API version. */
export interface SuggestionRequest {
  kind: 'completion' | 'generation';
  /** v2: `p1`..`p3`; v3/v4: the component type. */
  variant: string;
  fileName: string;
  contentAboveCursor: string;
  contentBelowCursor: string;
  languageIdentifier?: string;
  stream: boolean;
  /** The model that serves the request, as the pinned gateway picks it. */
  model: ResolvedModel;
  /** The model the request named (v2 `model_provider`/`model_name`), for fault matching. */
  requested?: ResolvedModel;
  /** Why a `model_metadata` that was sent did not choose the model (the gateway ignores it). */
  modelMetadataIgnored?: string;
}

export type Validated =
  | { ok: true; value: SuggestionRequest }
  | { ok: false; status: 422; issues: PydanticIssue[] }
  /** Valid by the request model, but the gateway fails it while serving (an unhandled error). */
  | { ok: false; status: 500; reason: string };

const ENDPOINT: Record<StubApi, string> = {
  v2: '/v2/code/completions',
  v3: '/v3/code/completions',
  v4: '/v4/code/suggestions',
};

/** Validates a suggestion request body against the pinned contract and picks its model. */
export function validateSuggestion(api: StubApi, body: unknown): Validated {
  const endpoint = aigwContract().endpoints[ENDPOINT[api]];
  if (!endpoint?.body) throw new Error(`AI Gateway contract has no body for ${ENDPOINT[api]}`);
  const v = new ContractValidator();
  const r = v.validate(endpoint.body, body, ['body']);
  if (!r.ok) return { ok: false, status: 422, issues: v.issues };
  const value = r.value as Record<string, unknown>;
  return api === 'v2' ? fromV2(value) : fromComponents(value, body);
}

interface FileFields {
  file_name: string;
  content_above_cursor: string;
  content_below_cursor: string;
  language_identifier: string | null;
}

function fileOf(f: FileFields) {
  return {
    fileName: f.file_name,
    contentAboveCursor: f.content_above_cursor,
    contentBelowCursor: f.content_below_cursor,
    ...(f.language_identifier !== null ? { languageIdentifier: f.language_identifier } : {}),
  };
}

const CODE_COMPLETIONS = 'code_completions';

function defaultModelOf(feature: string): string {
  const id = featureSetting(feature)?.default_models[0];
  if (!id) throw new Error(`AI Gateway contract: feature setting ${feature} has no default`);
  return id;
}

function modelFor(identifier: string): ResolvedModel | undefined {
  const m = catalogueModel(identifier);
  return m ? { provider: 'gitlab', name: m.identifier } : undefined;
}

/**
 * v2: `model_provider: gitlab` names a catalogue model (empty: the feature default); a legacy
 * provider goes through the provider handlers of ai_gateway/api/v2/code/model_provider_handlers.py
 * (no provider or vertex-ai: codestral-2508 when unnamed; fireworks_ai: codestral-2501 unless
 * codestral-2501/2508 is named) and then the legacy-name map to a catalogue model.
 */
function fromV2(b: Record<string, unknown>): Validated {
  const file = fileOf(b.current_file as FileFields);
  const common: Omit<SuggestionRequest, 'model'> = {
    kind: 'completion' as const,
    variant: `p${String(b.prompt_version)}`,
    ...file,
    stream: b.stream === true,
  };
  let provider = typeof b.model_provider === 'string' ? b.model_provider : 'vertex-ai';
  let name = typeof b.model_name === 'string' ? b.model_name : '';
  if (typeof b.model_provider === 'string') {
    Object.assign(common, { requested: { provider, name } });
  }
  if (provider === 'amazon_q') {
    return { ok: true, value: { ...common, model: { provider, name: 'amazon_q' } } };
  }
  let identifier: string;
  if (provider === 'gitlab') identifier = name || defaultModelOf(CODE_COMPLETIONS);
  else {
    if (provider === 'vertex-ai' && !name) name = 'codestral-2508';
    if (provider === 'fireworks_ai' && !['codestral-2501', 'codestral-2508'].includes(name)) {
      name = 'codestral-2501';
    }
    identifier = legacyCompletionIdentifier(provider, name);
    provider = 'gitlab';
  }
  const model = modelFor(identifier);
  if (!model) return { ok: false, status: 500, reason: `Invalid model identifier: ${identifier}` };
  return { ok: true, value: { ...common, model } };
}

interface Component {
  type: string;
  payload: Record<string, unknown>;
}

/** v3/v4: the first component decides; `model_metadata` comes from the raw body (a middleware). */
function fromComponents(b: Record<string, unknown>, raw: unknown): Validated {
  const first = (b.prompt_components as Component[])[0];
  if (!first) throw new Error('prompt_components validated without an item');
  const rawMeta = isRecord(raw) && 'model_metadata' in raw ? raw.model_metadata : undefined;
  const meta: ModelMetadataResolution | undefined =
    rawMeta === undefined ? undefined : resolveModelMetadata(rawMeta);
  const ignored = meta && !meta.ok ? { modelMetadataIgnored: meta.reason } : {};
  if (first.type === 'code_context') {
    // The gateway reads content_above_cursor off the first component: a context-only request
    // fails with an AttributeError (500).
    return { ok: false, status: 500, reason: 'the first prompt component is code_context' };
  }
  const p = first.payload;
  const common = {
    variant: first.type,
    ...fileOf(p as unknown as FileFields),
    stream: p.stream === true,
    ...ignored,
  };
  const chosen = meta?.ok ? modelFor(meta.model.identifier) : undefined;
  const amazonQ = p.model_provider === 'amazon_q' || (meta?.ok && meta.provider === 'amazon_q');
  if (amazonQ) {
    const model = { provider: 'amazon_q', name: 'amazon_q' };
    const kind = first.type === 'code_editor_generation' ? 'generation' : 'completion';
    return { ok: true, value: { ...common, kind, model } };
  }
  if (first.type === 'code_editor_completion') {
    const model = chosen ?? modelFor(defaultModelOf(CODE_COMPLETIONS));
    if (!model) return { ok: false, status: 500, reason: 'no default completion model' };
    return { ok: true, value: { ...common, kind: 'completion', model } };
  }
  return generation(p, common, chosen);
}

function generation(
  p: Record<string, unknown>,
  common: Omit<SuggestionRequest, 'kind' | 'model'>,
  chosen: ResolvedModel | undefined,
): Validated {
  let model = chosen;
  if (typeof p.prompt_id === 'string' && p.prompt_id) {
    const version = typeof p.prompt_version === 'string' ? p.prompt_version : undefined;
    const saas = saasPromptModel(version);
    if (!saas) return { ok: false, status: 500, reason: `KeyError: '${version ?? ''}'` };
    model ??= { provider: saas.provider, name: saas.model };
  } else if (!model && p.model_provider === 'anthropic') {
    model = modelFor('claude_sonnet_4_5_20250929');
  } else if (!model && p.model_provider === 'vertex-ai') {
    model = modelFor('claude_sonnet_4_5_20250929_vertex');
  }
  model ??= modelFor(defaultModelOf('code_generations'));
  if (!model) return { ok: false, status: 500, reason: 'no default generation model' };
  return { ok: true, value: { ...common, kind: 'generation', model } };
}

/** What a fault may match on: the model serving the request and the one it named. */
export function faultTarget(api: StubApi, sreq: SuggestionRequest): FaultTarget {
  const t: FaultTarget = { api, provider: sreq.model.provider, model: sreq.model.name };
  if (sreq.requested)
    t.requested = { provider: sreq.requested.provider, model: sreq.requested.name };
  return t;
}
