import { isRecord } from './http.util';
import {
  DEFAULT_COMPLETION_MODEL,
  DEFAULT_GENERATION_MODEL,
  type ModelCatalog,
  type ResolvedModel,
  type UseCase,
} from './model-catalog.constants';
import {
  bodyIssue,
  checkModel,
  readEditorContent,
  type SuggestionRequest,
  type Validated,
} from './request.validator';
import { IssueCollector, display, type Loc } from './validation-issues.util';

const COMPONENT_TYPES = ['code_editor_completion', 'code_editor_generation', 'code_context'];

/** Validates a `/v3/code/completions` or `/v4/code/suggestions` body. */
// eslint-disable-next-line max-lines-per-function -- walks the AIGW's request model field by field, in its order, so the two can be compared side by side
export function validateV3(body: unknown, catalog: ModelCatalog): Validated {
  const c = new IssueCollector();
  if (!isRecord(body)) return { ok: false, issues: [bodyIssue(body)] };

  const components = c.list(body, 'prompt_components', ['body'], {
    required: true,
    min: 1,
    max: 100,
  });
  let first: { type: string; payload: Record<string, unknown>; loc: Loc } | undefined;
  components?.forEach((raw, i) => {
    const at: Loc = ['body', 'prompt_components', i];
    if (!isRecord(raw)) {
      c.add({
        type: 'model_attributes_type',
        loc: at,
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: raw,
      });
      return;
    }
    const type = raw.type;
    if (typeof type !== 'string' || !COMPONENT_TYPES.includes(type)) {
      c.add(
        type === undefined
          ? {
              type: 'union_tag_not_found',
              loc: at,
              msg: "Unable to extract tag using discriminator 'type'",
              input: raw,
              ctx: { discriminator: "'type'" },
            }
          : {
              type: 'union_tag_invalid',
              loc: at,
              msg: `Input tag '${display(type)}' found using 'type' does not match any of the expected tags: ${COMPONENT_TYPES.map((t) => `'${t}'`).join(', ')}`,
              input: raw,
              ctx: { discriminator: "'type'", tag: display(type) },
            },
      );
      return;
    }
    const ploc: Loc = [...at, type];
    const payload = c.obj(raw, 'payload', ploc, true);
    if (!payload) return;
    const payloadLoc: Loc = [...ploc, 'payload'];
    if (type === 'code_context') {
      c.str(payload, 'type', payloadLoc, { required: true, max: 1024 });
      c.str(payload, 'name', payloadLoc, { required: true, max: 1024 });
      c.str(payload, 'content', payloadLoc, { required: true, max: 500_000 });
      return;
    }
    if (i === 0) first = { type, payload, loc: payloadLoc };
  });
  const metadata = c.obj(body, 'model_metadata', ['body'], false);
  if (!c.ok) return { ok: false, issues: c.issues };
  if (!first) {
    c.add({
      type: 'value_error',
      loc: ['body', 'prompt_components', 0],
      msg: 'Value error, the first prompt component must be code_editor_completion or code_editor_generation',
      input: components?.[0],
    });
    return { ok: false, issues: c.issues };
  }

  const { payload, loc } = first;
  const kind = first.type === 'code_editor_generation' ? 'generation' : 'completion';
  const useCase: UseCase = kind === 'generation' ? 'code generations' : 'code completions';
  const file = readEditorContent(c, payload, loc);
  const stream = c.bool(payload, 'stream', loc) ?? false;
  if (kind === 'completion') c.int(payload, 'choices_count', loc);
  else {
    c.str(payload, 'prompt', loc, { max: 400_000 });
    c.str(payload, 'prompt_id', loc, { max: 255 });
    c.str(payload, 'prompt_version', loc, { max: 255 });
    c.obj(payload, 'prompt_enhancer', loc, false);
  }
  const model = resolveV3Model(c, catalog, metadata, payload, loc, useCase, kind);
  if (!c.ok || !file || !model) return { ok: false, issues: c.issues };
  return { ok: true, value: { kind, variant: first.type, ...file, stream, model } };
}

function resolveV3Model(
  c: IssueCollector,
  catalog: ModelCatalog,
  metadata: Record<string, unknown> | undefined,
  payload: Record<string, unknown>,
  loc: Loc,
  useCase: UseCase,
  kind: SuggestionRequest['kind'],
): ResolvedModel | undefined {
  const fallback = kind === 'generation' ? DEFAULT_GENERATION_MODEL : DEFAULT_COMPLETION_MODEL;
  const mloc: Loc = ['body', 'model_metadata'];
  if (metadata) {
    const provider = c.oneOf(
      c.str(metadata, 'provider', mloc, { required: true }),
      catalog.providers(),
      [...mloc, 'provider'],
    );
    const name = c.str(metadata, 'name', mloc) ?? c.str(metadata, 'identifier', mloc);
    if (!provider) return undefined;
    if (name === undefined) return catalog.firstFor(provider, useCase) ?? fallback;
    return checkModel(c, catalog, provider, name, useCase, [...mloc, 'name'])
      ? { provider, name }
      : undefined;
  }
  const provider = c.oneOf(c.str(payload, 'model_provider', loc), catalog.providers(), [
    ...loc,
    'model_provider',
  ]);
  const name = c.str(payload, 'model_name', loc, { max: 50 });
  if (!provider) return fallback;
  if (name === undefined) {
    return fallback.provider === provider
      ? fallback
      : (catalog.firstFor(provider, useCase) ?? fallback);
  }
  return checkModel(c, catalog, provider, name, useCase, [...loc, 'model_name'])
    ? { provider, name }
    : undefined;
}
