/**
 * Streamed code generations from the GitLab Language Server (8.54), as an editor sees them.
 *
 * With the client flag `featureFlags.streamCodeGenerations` on, an `Automatic` inline completion
 * whose cursor the LS's tree-sitter reads as a generation (a comment above an empty line, an empty
 * function, a small file) answers at once with one item: `insertText: ''` and the command
 * `gitlab.ls.startStreaming` with arguments `[streamId, uniqueTrackingId]`. The LS then posts
 * `/api/v4/code_suggestions/completions` `{intent: 'generation', stream: true, ...}` with
 * `X-Supports-Sse-Streaming: true` and sends `streamingCompletionResponse` notifications
 * `{id, completion, done: false}` (the WHOLE text so far, after its post-processing, not a
 * delta), then `{id, done: true}` once the stream ended (or failed). It parses SSE frames only
 * when the answer says `X-Streaming-Format: sse`; anything else is read as raw text chunks.
 * See docs/language-server.md section 9.
 */
import type { LspClient, LspNotification } from './lsp-client';
import {
  InlineCompletionTriggerKind,
  requestInlineCompletion,
  type InlineCompletionParams,
} from './lsp-client';

export const STREAMING_NOTIFICATION = 'streamingCompletionResponse';
export const START_STREAMING_COMMAND = 'gitlab.ls.startStreaming';

interface StreamingParams {
  id: string;
  completion?: string;
  done: boolean;
}

export interface StreamedGeneration {
  streamId: string;
  /** `completion` of every notification before `done`, in order (each is the text so far). */
  updates: string[];
  /** What the editor shows at the end: the last update ('' when none came). */
  text: string;
}

const isStreaming = (n: LspNotification, id: string): boolean =>
  n.method === STREAMING_NOTIFICATION && (n.params as StreamingParams | undefined)?.id === id;

/**
 * Collects the stream `streamId` until its `done: true` notification. `from` is the index in
 * `client.notifications` to start at, so updates sent before the caller got the id are not lost.
 */
export async function collectStream(
  client: LspClient,
  streamId: string,
  from = 0,
  timeoutMs = 15_000,
): Promise<StreamedGeneration> {
  const updates: string[] = [];
  const take = (n: LspNotification): boolean => {
    const p = n.params as StreamingParams;
    if (p.completion !== undefined) updates.push(p.completion);
    return p.done;
  };
  const finished = () => ({ streamId, updates, text: updates.at(-1) ?? '' });
  for (const n of client.notifications.slice(from)) {
    if (isStreaming(n, streamId) && take(n)) return finished();
  }
  // No await between the scan above and the subscription below: nothing can slip in between.
  await client.waitForNotification<StreamingParams>(
    STREAMING_NOTIFICATION,
    (p) => p.id === streamId && take({ method: STREAMING_NOTIFICATION, params: p, receivedAt: 0 }),
    { timeoutMs, includePast: false },
  );
  return finished();
}

/**
 * Asks for an `Automatic` inline completion (what typing sends) and, when the LS answers with a
 * stream, waits for that stream to finish. Fails when the LS answered with a plain suggestion.
 */
export async function requestStreamedGeneration(
  client: LspClient,
  params: Omit<InlineCompletionParams, 'triggerKind'>,
): Promise<StreamedGeneration> {
  const from = client.notifications.length;
  const list = await requestInlineCompletion(client, {
    ...params,
    triggerKind: InlineCompletionTriggerKind.Automatic,
  });
  const start = list.items.find((i) => i.command?.command === START_STREAMING_COMMAND);
  if (!start) {
    throw new Error(`the language server did not stream: ${JSON.stringify(list.items)}`);
  }
  const [streamId] = start.command!.arguments as [string, string];
  return collectStream(client, streamId, from);
}
