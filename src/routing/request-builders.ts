import {
  anthropicFimMessages,
  budget,
  codestralFimPrompt,
  type PromptMessage,
} from './fim-prompts';
import { resolveLanguage, type LanguageSyntax } from './languages.constants';
import type {
  CompletionInput,
  EndpointPath,
  GenerationPrompt,
  GitlabModelMetadata,
  ModelSpec,
  RoutingDecision,
} from './routing.types';
import { firstCodePoints, lastCodePoints } from '../common/text/code-points';
import { AI_GATEWAY_CONTENT_SIZE } from './task-classifier';

/** GitLab's budget for the code blocks of the generation prompt (above first, below the rest). */
export const GENERATION_MAX_INPUT_CHARS = 50_000;
const DEFAULT_GENERATION_INSTRUCTION =
  'Write the code that belongs at the cursor, following the intent of the surrounding code and comments.';

type ContextItem = NonNullable<CompletionInput['context']>[number];

export interface CurrentFileBody {
  file_name: string;
  content_above_cursor: string;
  content_below_cursor: string;
  language_identifier?: string;
}

/** `POST /v2/code/completions`. */
export interface V2CompletionBody {
  prompt_version: 1 | 2 | 3;
  project_path?: string;
  project_id?: number;
  current_file: CurrentFileBody;
  model_provider: string;
  model_name: string;
  stream: boolean;
  choices_count?: number;
  context?: ContextItem[];
  telemetry?: unknown[];
  /** Absent for version 1, a string for 2, messages for 3. */
  prompt?: string | PromptMessage[];
}

export interface EditorPayload extends CurrentFileBody {
  stream: boolean;
  choices_count?: number;
}

export interface GenerationPayload extends EditorPayload {
  prompt_id: string;
  prompt_version: string;
  prompt_enhancer: PromptEnhancer;
}

/** Fields the AIGW generation template reads (GitLab's `code_generation_enhancer`). */
export interface PromptEnhancer {
  examples_array: unknown[];
  trimmed_content_above_cursor: string;
  trimmed_content_below_cursor: string;
  related_files: string[];
  related_snippets: string[];
  libraries: unknown[];
  user_instruction: string;
}

export type PromptComponent =
  | { type: 'code_editor_completion'; payload: EditorPayload }
  | { type: 'code_editor_generation'; payload: GenerationPayload }
  | { type: 'code_context'; payload: ContextItem };

/** `POST /v3/code/completions` and `POST /v4/code/suggestions`. */
export interface PromptComponentsBody {
  prompt_components: PromptComponent[];
  model_metadata?: GitlabModelMetadata;
}

export interface UpstreamCall {
  path: EndpointPath;
  body: V2CompletionBody | PromptComponentsBody;
  stream: boolean;
}

/** The upstream path and body for a validated IDE request and its routing decision. */
export function buildUpstreamCall(input: CompletionInput, decision: RoutingDecision): UpstreamCall {
  const stream = input.stream ?? false;
  const path = decision.endpointPath;
  switch (decision.task) {
    case 'completion':
      if (decision.api === 'v2') {
        if (!decision.model) throw new Error('a v2 completion needs a model');
        return { path, stream, body: buildV2Body(input, decision.model) };
      }
      return {
        path,
        stream,
        body: buildCompletionComponentsBody(input, decision.modelMetadata),
      };
    case 'generation':
      if (decision.api === 'v2' || !decision.generationPrompt) {
        throw new Error('generations go through v3 or v4 with a prompt-registry entry');
      }
      return {
        path,
        stream,
        body: buildGenerationComponentsBody(input, decision.generationPrompt),
      };
  }
}

export function buildV2Body(input: CompletionInput, model: ModelSpec): V2CompletionBody {
  const file = input.current_file;
  const language = resolveLanguage(file.file_name, file.language_identifier);
  const current = currentFile(input, file.language_identifier);
  const body: V2CompletionBody = {
    prompt_version: model.promptVersion,
    ...(input.project_path !== undefined ? { project_path: input.project_path } : {}),
    ...(input.project_id !== undefined ? { project_id: input.project_id } : {}),
    current_file: current,
    model_provider: model.provider,
    model_name: model.name,
    stream: input.stream ?? false,
    ...(input.choices_count !== undefined ? { choices_count: input.choices_count } : {}),
    ...(input.context ? { context: input.context } : {}),
    ...(input.telemetry ? { telemetry: input.telemetry } : {}),
  };
  const prompt = buildPrompt(model, current, language);
  if (prompt !== undefined) body.prompt = prompt;
  return body;
}

/** A completion component, with GitLab's `model_metadata` (feature setting, chosen identifier). */
export function buildCompletionComponentsBody(
  input: CompletionInput,
  modelMetadata?: GitlabModelMetadata,
): PromptComponentsBody {
  const file = input.current_file;
  const language = resolveLanguage(file.file_name, file.language_identifier);
  const payload: EditorPayload = {
    ...currentFile(input, file.language_identifier || language.name || undefined),
    stream: input.stream ?? false,
    ...(input.choices_count !== undefined ? { choices_count: input.choices_count } : {}),
  };
  const components: PromptComponent[] = [{ type: 'code_editor_completion', payload }];
  for (const item of input.context ?? []) components.push({ type: 'code_context', payload: item });
  return {
    prompt_components: components,
    ...(modelMetadata ? { model_metadata: { ...modelMetadata } } : {}),
  };
}

export function buildGenerationComponentsBody(
  input: CompletionInput,
  prompt: GenerationPrompt,
): PromptComponentsBody {
  const file = input.current_file;
  const language = resolveLanguage(file.file_name, file.language_identifier);
  const current = currentFile(input, language.name || file.language_identifier || '');
  const payload: GenerationPayload = {
    ...current,
    stream: input.stream ?? false,
    prompt_id: prompt.promptId,
    prompt_version: prompt.promptVersion,
    prompt_enhancer: promptEnhancer(input, current, language),
  };
  return { prompt_components: [{ type: 'code_editor_generation', payload }] };
}

function currentFile(
  input: CompletionInput,
  languageIdentifier: string | undefined,
): CurrentFileBody {
  const file = input.current_file;
  const above = lastCodePoints(file.content_above_cursor, AI_GATEWAY_CONTENT_SIZE);
  const below = firstCodePoints(file.content_below_cursor ?? '', AI_GATEWAY_CONTENT_SIZE);
  return {
    file_name: file.file_name,
    content_above_cursor: above,
    content_below_cursor: below,
    ...(languageIdentifier !== undefined ? { language_identifier: languageIdentifier } : {}),
  };
}

function buildPrompt(
  model: ModelSpec,
  file: CurrentFileBody,
  language: LanguageSyntax,
): string | PromptMessage[] | undefined {
  const parts = {
    fileName: file.file_name,
    above: file.content_above_cursor,
    below: file.content_below_cursor,
    language,
    maxInputChars: model.maxInputChars,
  };
  switch (model.promptFormat) {
    case 'none':
      return undefined;
    case 'codestral_fim':
      return codestralFimPrompt(parts);
    case 'anthropic_fim_messages':
      return anthropicFimMessages(parts);
  }
}

function promptEnhancer(
  input: CompletionInput,
  file: CurrentFileBody,
  language: LanguageSyntax,
): PromptEnhancer {
  const { above, below } = budget({
    fileName: file.file_name,
    above: file.content_above_cursor,
    below: file.content_below_cursor,
    language,
    maxInputChars: GENERATION_MAX_INPUT_CHARS,
  });
  const relatedFiles: string[] = [];
  const relatedSnippets: string[] = [];
  for (const item of input.context ?? []) {
    if (item.type === 'file') {
      relatedFiles.push(
        `<file_content file_name="${item.name}">\n${item.content}\n</file_content>\n`,
      );
    } else {
      relatedSnippets.push(
        `<snippet_content name="${item.name}">\n${item.content}\n</snippet_content>\n`,
      );
    }
  }
  const instruction = input.user_instruction?.trim()
    ? input.user_instruction
    : DEFAULT_GENERATION_INSTRUCTION;
  return {
    examples_array: [],
    trimmed_content_above_cursor: above,
    trimmed_content_below_cursor: below,
    related_files: relatedFiles,
    related_snippets: relatedSnippets,
    libraries: [],
    user_instruction: instruction,
  };
}
