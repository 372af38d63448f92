import type { ServerResponse } from 'node:http';
import { sleep } from './http.util';
import { catalogueModel } from '../common/aigw/aigw-contract';
import { langFromFileName, type ResolvedModel } from './model-catalog.constants';
import type { SuggestionRequest } from './request.validator';
import type { StubApi } from './stub-gateway.types';

export interface AnswerInput {
  api: StubApi;
  kind: SuggestionRequest['kind'];
  /** v2: `p1`..`p3`; v3/v4: the component type (not part of the text). */
  variant: string;
  model: ResolvedModel;
  fileName: string;
}

/**
 * The deterministic completion text, so tests can tell which model and API answered:
 * `// completion by gitlab/codestral_2508_vertex via v2 p1\nsuggest("main.py");\n` (v2) or
 * `// generation by anthropic/claude-sonnet-4-5-20250929 via v4\nsuggest("main.py");\n` (v3/v4).
 */
export function expectedCompletionText(a: AnswerInput): string {
  const via = a.api === 'v2' ? `v2 ${a.variant}` : a.api;
  return `// ${a.kind} by ${a.model.provider}/${a.model.name} via ${via}\nsuggest("${a.fileName}");\n`;
}

/** Splits text into `count` non-empty pieces (fewer when the text is shorter). */
export function splitChunks(text: string, count: number): string[] {
  const chars = Array.from(text);
  const n = Math.max(1, Math.min(count, chars.length));
  const size = Math.ceil(chars.length / n);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

export function enabledFlags(headerValue: string | undefined): string[] {
  if (!headerValue) return [];
  return headerValue
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `model` of an answer: the engine (the catalogue model's LiteLLM provider) and the name. */
function answerModel(a: AnswerInput): { engine: string; name: string; lang: string } {
  const m = a.model.provider === 'gitlab' ? catalogueModel(a.model.name) : undefined;
  return {
    engine: m?.x_custom_llm_provider ?? a.model.provider,
    name: a.model.name,
    lang: langFromFileName(a.fileName),
  };
}

/**
 * Non-streamed answer, shaped as the gateway serialises its response models: v2
 * `SuggestionsResponse` (`id`, `model` with `tokens_consumption_metadata` and `region`,
 * `experiments`, `object`, `created`, `choices`, `metadata`); v3/v4 `CompletionResponse`
 * (`choices`, `metadata` with `model`/`timestamp`/`enabled_feature_flags`/`region`, `model`).
 */
export function completionBody(
  a: AnswerInput,
  flags: string[],
  region: string,
): Record<string, unknown> {
  const text = expectedCompletionText(a);
  const now = Math.floor(Date.now() / 1000);
  const model = answerModel(a);
  const choices = [{ text, index: 0, finish_reason: 'length' }];
  if (a.api === 'v2') {
    return {
      id: 'id',
      model: { ...model, tokens_consumption_metadata: null, region },
      experiments: [],
      object: 'text_completion',
      created: now,
      choices,
      metadata: { enabled_feature_flags: flags },
    };
  }
  return {
    choices,
    metadata: { model, timestamp: now, enabled_feature_flags: flags, region: null },
    model,
  };
}

export interface StreamOptions {
  chunkCount: number;
  chunkDelayMs: number;
  timers: Set<NodeJS.Timeout>;
  /** Stop after this many pieces and leave the response open (the `stallAfterChunks` fault). */
  stallAfter?: number;
  onStall?: () => void;
  /** Called with the text of each piece once it is written (an SSE frame's `content` only). */
  onText?: (text: string) => void;
}

/** One write of a stream: the bytes, and the completion text they carry ('' for framing). */
interface Piece {
  wire: string;
  text: string;
}

async function writeChunks(res: ServerResponse, pieces: Piece[], o: StreamOptions): Promise<void> {
  for (let i = 0; i < pieces.length; i++) {
    if (i === o.stallAfter) {
      // Headers go out even when no piece does, so the client sees a stream that went silent.
      res.flushHeaders();
      o.onStall?.();
      return;
    }
    if (i > 0 && o.chunkDelayMs > 0) await sleep(o.chunkDelayMs, o.timers);
    if (res.destroyed) return;
    res.write(pieces[i].wire);
    if (pieces[i].text) o.onText?.(pieces[i].text);
  }
  if (!res.destroyed) res.end();
}

/** `/v2` and `/v3` streaming: `text/event-stream` carrying raw text chunks, no SSE framing. */
export async function streamRaw(
  res: ServerResponse,
  a: AnswerInput,
  o: StreamOptions,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  const pieces = splitChunks(expectedCompletionText(a), o.chunkCount);
  await writeChunks(
    res,
    pieces.map((text) => ({ wire: text, text })),
    o,
  );
}

/**
 * `/v4` streaming, as the AIGW's sse-starlette `EventSourceResponse` frames it: `event: stream_start`
 * with the model metadata, `event: content_chunk` per chunk, `event: stream_end` with `data: null`.
 */
export async function streamSse(
  res: ServerResponse,
  a: AnswerInput,
  flags: string[],
  region: string,
  sep: string,
  o: StreamOptions,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
    'x-streaming-format': 'sse',
  });
  const frame = (name: string, data: unknown, text = ''): Piece => ({
    wire: `event: ${name}${sep}data: ${JSON.stringify(data)}${sep}${sep}`,
    text,
  });
  // ResponseMetadataBase dumped with exclude_none: the model has no `lang` here.
  const { engine, name } = answerModel(a);
  const start = frame('stream_start', {
    metadata: {
      model: { engine, name },
      timestamp: Math.floor(Date.now() / 1000),
      enabled_feature_flags: flags,
      region,
    },
  });
  const chunks = splitChunks(expectedCompletionText(a), o.chunkCount).map((content) =>
    frame('content_chunk', { choices: [{ delta: { content }, index: 0 }] }, content),
  );
  await writeChunks(res, [start, ...chunks, frame('stream_end', null)], o);
}
