import type { LanguageSyntax } from './languages.constants';
import type { ModelSpec } from './routing.types';

/**
 * Post-processing of a non-streamed completion, per model spec. The steps run in a fixed order
 * whatever order the catalogue lists them in: cut at stop tokens, drop comment-only text, trim
 * trailing whitespace. A choice whose text ends up empty stays in the list with `text: ""`.
 */
export function postProcessText(text: string, model: ModelSpec, language: LanguageSyntax): string {
  const steps = model.postProcessing;
  let out = text;
  if (steps.includes('cut_at_stop_tokens')) out = cutAtStopTokens(out, model.stopTokens);
  if (steps.includes('drop_comment_only') && isCommentOnly(out, language)) out = '';
  if (steps.includes('trim_trailing_whitespace')) out = out.trimEnd();
  return out;
}

/** Applies {@link postProcessText} to `choices[].text` of an AIGW completion answer. Other shapes pass unchanged. */
export function postProcessCompletion(
  body: unknown,
  model: ModelSpec,
  language: LanguageSyntax,
): unknown {
  if (model.postProcessing.length === 0 || !isRecord(body) || !Array.isArray(body.choices))
    return body;
  const choices: unknown[] = body.choices.map((choice: unknown) =>
    isRecord(choice) && typeof choice.text === 'string'
      ? { ...choice, text: postProcessText(choice.text, model, language) }
      : choice,
  );
  return { ...body, choices };
}

/** Everything before the earliest stop token. */
export function cutAtStopTokens(text: string, stopTokens: readonly string[]): string {
  let cut = text.length;
  for (const token of stopTokens) {
    const i = text.indexOf(token);
    if (i >= 0 && i < cut) cut = i;
  }
  return cut === text.length ? text : text.slice(0, cut);
}

/**
 * True when the text has comments and nothing else but blanks. Unknown languages are never judged
 * (the gateway also keeps completions it cannot parse); blank text is not "comment-only".
 */
export function isCommentOnly(text: string, language: LanguageSyntax): boolean {
  if (!language.known || text.trim() === '') return false;
  let rest = text;
  for (const [open, close] of language.blockComments) rest = removeBlocks(rest, open, close);
  let sawComment = rest !== text;
  for (const line of rest.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    if (!language.lineComments.some((m) => t.startsWith(m))) return false;
    sawComment = true;
  }
  return sawComment;
}

/** Removes `open ... close` spans; an unclosed block runs to the end of the text. */
function removeBlocks(text: string, open: string, close: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const start = text.indexOf(open, from);
    if (start < 0) return out + text.slice(from);
    out += text.slice(from, start);
    const end = text.indexOf(close, start + open.length);
    if (end < 0) return out;
    from = end + close.length;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
