import { isRecord } from './http.util';
import {
  DEFAULT_V2_MODEL,
  type ModelCatalog,
  type ResolvedModel,
  type UseCase,
} from './model-catalog.constants';
import { IssueCollector, display, type Loc, type ValidationIssue } from './validation-issues.util';

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
  model: ResolvedModel;
}

export type Validated =
  { ok: true; value: SuggestionRequest } | { ok: false; issues: ValidationIssue[] };

const MAX_CONTENT = 100_000;
const PROMPT_VERSIONS = [1, 2, 3];

/** Validates a `/v2/code/completions` body the way the AIGW's pydantic models do. */
export function validateV2(body: unknown, catalog: ModelCatalog): Validated {
  const c = new IssueCollector();
  if (!isRecord(body)) return { ok: false, issues: [bodyIssue(body)] };

  const tagRaw = body.prompt_version;
  if (tagRaw === undefined || tagRaw === null) {
    c.add({
      type: 'union_tag_not_found',
      loc: ['body'],
      msg: "Unable to extract tag using discriminator 'prompt_version'",
      input: body,
      ctx: { discriminator: "'prompt_version'" },
    });
    return { ok: false, issues: c.issues };
  }
  const tag = Number(tagRaw);
  if (
    !PROMPT_VERSIONS.includes(tag) ||
    (typeof tagRaw !== 'number' && typeof tagRaw !== 'string')
  ) {
    c.add({
      type: 'union_tag_invalid',
      loc: ['body'],
      msg: `Input tag '${display(tagRaw)}' found using 'prompt_version' does not match any of the expected tags: 1, 2, 3`,
      input: body,
      ctx: { discriminator: "'prompt_version'", tag: display(tagRaw), expected_tags: '1, 2, 3' },
    });
    return { ok: false, issues: c.issues };
  }
  const loc: Loc = ['body', tag];

  c.str(body, 'project_path', loc, { max: 255 });
  c.int(body, 'project_id', loc);
  const file = readCurrentFile(c, body, loc);
  const provider = c.oneOf(c.str(body, 'model_provider', loc), catalog.providers(), [
    ...loc,
    'model_provider',
  ]);
  const modelName = c.str(body, 'model_name', loc, { max: 50 })?.trim();
  c.list(body, 'telemetry', loc, { max: 10 });
  const stream = c.bool(body, 'stream', loc) ?? false;
  c.int(body, 'choices_count', loc);
  readContext(c, body, loc);
  if (tag === 2) c.str(body, 'prompt', loc);
  if (tag === 3) readMessages(c, body, loc);

  if (provider && modelName !== undefined) {
    checkModel(c, catalog, provider, modelName, 'code completions', [...loc, 'model_name']);
  }
  if (!c.ok || !file) return { ok: false, issues: c.issues };

  let model = DEFAULT_V2_MODEL;
  if (provider && modelName) model = { provider, name: modelName };
  else if (provider) model = catalog.firstFor(provider, 'code completions') ?? DEFAULT_V2_MODEL;
  return { ok: true, value: { kind: 'completion', variant: `p${tag}`, ...file, stream, model } };
}

export function checkModel(
  c: IssueCollector,
  catalog: ModelCatalog,
  provider: string,
  name: string,
  useCase: UseCase,
  loc: Loc,
): boolean {
  if (catalog.supports(provider, name, useCase)) return true;
  c.valueError(
    loc,
    `model ${name} is not supported by use case ${useCase} and provider ${provider}`,
    name,
  );
  return false;
}

export type FileFields = Pick<
  SuggestionRequest,
  'fileName' | 'contentAboveCursor' | 'contentBelowCursor' | 'languageIdentifier'
>;

function readCurrentFile(
  c: IssueCollector,
  body: Record<string, unknown>,
  loc: Loc,
): FileFields | undefined {
  const file = c.obj(body, 'current_file', loc, true);
  return file ? readEditorContent(c, file, [...loc, 'current_file']) : undefined;
}

export function readEditorContent(
  c: IssueCollector,
  o: Record<string, unknown>,
  loc: Loc,
): FileFields | undefined {
  const fileName = c.str(o, 'file_name', loc, { required: true, max: 255 })?.trim();
  const languageIdentifier = c.str(o, 'language_identifier', loc, { max: 255 });
  const contentAboveCursor = c.str(o, 'content_above_cursor', loc, {
    required: true,
    max: MAX_CONTENT,
  });
  const contentBelowCursor = c.str(o, 'content_below_cursor', loc, {
    required: true,
    max: MAX_CONTENT,
  });
  if (
    fileName === undefined ||
    contentAboveCursor === undefined ||
    contentBelowCursor === undefined
  ) {
    return undefined;
  }
  return { fileName, contentAboveCursor, contentBelowCursor, languageIdentifier };
}

function readContext(c: IssueCollector, body: Record<string, unknown>, loc: Loc): void {
  const items = c.list(body, 'context', loc, { max: 100 });
  items?.forEach((item, i) => {
    const at: Loc = [...loc, 'context', i];
    if (!isRecord(item)) {
      c.add({
        type: 'model_type',
        loc: at,
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: item,
      });
      return;
    }
    c.str(item, 'type', at, { required: true, max: 1024 });
    c.str(item, 'name', at, { required: true, max: 1024 });
    c.str(item, 'content', at, { required: true, max: 500_000 });
  });
}

function readMessages(c: IssueCollector, body: Record<string, unknown>, loc: Loc): void {
  const items = c.list(body, 'prompt', loc);
  items?.forEach((item, i) => {
    const at: Loc = [...loc, 'prompt', i];
    if (!isRecord(item)) {
      c.add({
        type: 'model_type',
        loc: at,
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: item,
      });
      return;
    }
    c.oneOf(
      c.str(item, 'role', at, { required: true }),
      ['system', 'user', 'assistant'],
      [...at, 'role'],
    );
    c.str(item, 'content', at, { required: true });
  });
}

export function bodyIssue(body: unknown): ValidationIssue {
  if (body === null || body === undefined) {
    return { type: 'missing', loc: ['body'], msg: 'Field required', input: null };
  }
  return {
    type: 'model_attributes_type',
    loc: ['body'],
    msg: 'Input should be a valid dictionary or object to extract fields from',
    input: body,
  };
}
