import { isHighSurrogate, isLowSurrogate } from '../common/text/code-points';
import { LanguageSyntax, resolveLanguage } from './languages.constants';
import type { GenerationType, RoutingRequest, Task } from './routing.types';

/** Characters the AIGW receives at most on each side of the cursor. */
export const AI_GATEWAY_CONTENT_SIZE = 100_000;
/** A trailing comment triggers generation when its first line carries at least this much text. */
export const MIN_COMMENT_INSTRUCTION_CHARS = 10;
/** Blank lines allowed between the comment and the cursor. */
const BLANK_LINES_LIMIT = 1;

export type TaskReason =
  | 'intent_completion'
  | 'user_instruction'
  | 'generation_type'
  | 'intent_generation'
  | 'trailing_comment'
  | 'no_trigger';

export interface TaskClassification {
  readonly task: Task;
  readonly generationType?: GenerationType;
  readonly reason: TaskReason;
}

type ClassifierInput = Pick<
  RoutingRequest,
  | 'intent'
  | 'userInstruction'
  | 'generationType'
  | 'contentAboveCursor'
  | 'fileName'
  | 'languageIdentifier'
>;

/**
 * Completion or generation, in the order of docs/api-contract.md (GitLab's InstructionsExtractor).
 * GitLab also turns small files and empty functions into generations; the contract leaves them
 * out, so those two triggers only arrive as an explicit `generation_type` from the client.
 */
export function classifyTask(req: ClassifierInput): TaskClassification {
  if (req.intent === 'completion') return { task: 'completion', reason: 'intent_completion' };
  if (
    req.userInstruction !== undefined &&
    !isBlank(req.userInstruction, 0, req.userInstruction.length)
  ) {
    return { task: 'generation', reason: 'user_instruction' };
  }
  if (req.generationType) {
    return { task: 'generation', generationType: req.generationType, reason: 'generation_type' };
  }
  if (req.intent === 'generation') {
    return { task: 'generation', generationType: 'comment', reason: 'intent_generation' };
  }
  const language = resolveLanguage(req.fileName, req.languageIdentifier);
  if (endsWithInstructionComment(req.contentAboveCursor, language)) {
    return { task: 'generation', generationType: 'comment', reason: 'trailing_comment' };
  }
  return { task: 'completion', reason: 'no_trigger' };
}

/**
 * GitLab's rule, read from the end of the text only:
 * - walk lines upwards from the cursor; one blank line right above the cursor is skipped;
 * - collect the run of consecutive single-line comment lines (marker first after blanks);
 * - the FIRST line of that run must have >= 10 characters after its marker. Everything up to the
 *   line break counts, blanks included (GitLab's pattern lets `[ \t]*` match nothing).
 * So a two-line comment whose first line is "# sort" does not trigger, and code or a second blank
 * line between the comment and the cursor does not either.
 */
export function endsWithInstructionComment(text: string, language: LanguageSyntax): boolean {
  const markers = language.lineComments;
  if (markers.length === 0 || text.length === 0) return false;

  // Ruby's String#lines: a final "\n" ends the last line, it does not start an empty one.
  let end = text.charCodeAt(text.length - 1) === LF ? text.length - 1 : text.length;
  let blanksSkipped = 0;
  let firstStart = -1;
  let firstMarkerEnd = -1;
  let firstEnd = -1;

  for (;;) {
    const nl = lastNewlineBefore(text, end);
    const start = nl + 1;
    if (firstStart < 0 && blanksSkipped < BLANK_LINES_LIMIT && isBlank(text, start, end)) {
      blanksSkipped++;
    } else {
      const markerEnd = commentMarkerEnd(text, start, end, markers);
      if (markerEnd < 0) break;
      firstStart = start;
      firstMarkerEnd = markerEnd;
      firstEnd = end;
    }
    if (nl < 0) break;
    end = nl;
  }

  if (firstStart < 0) return false;
  let lineEnd = firstEnd;
  while (lineEnd > firstMarkerEnd && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
  return lineEnd - firstMarkerEnd >= MIN_COMMENT_INSTRUCTION_CHARS;
}

/** The last `n` UTF-16 units, never starting in the middle of a surrogate pair. */
export function lastChars(s: string, n: number): string {
  if (s.length <= n) return s;
  let from = s.length - n;
  if (isLowSurrogate(s.charCodeAt(from))) from++;
  return s.slice(from);
}

/** The first `n` UTF-16 units, never ending in the middle of a surrogate pair. */
export function firstChars(s: string, n: number): string {
  if (s.length <= n) return s;
  let to = n;
  if (to > 0 && isHighSurrogate(s.charCodeAt(to - 1))) to--;
  return s.slice(0, to);
}

const LF = 10;
const CR = 13;

/**
 * Index of the last "\n" before `end`, or -1. V8's lastIndexOf walks back one unit at a time
 * (about 60 µs for a 100,000-character minified line); indexOf is vectorised. So: forward
 * searches over windows that double, reaching back from `end`.
 */
function lastNewlineBefore(text: string, end: number): number {
  let window = 128;
  let lo = end;
  while (lo > 0) {
    lo = Math.max(0, lo - window);
    let last = -1;
    for (let p = text.indexOf('\n', lo); p >= 0 && p < end; p = text.indexOf('\n', p + 1)) last = p;
    if (last >= 0) return last;
    window *= 2;
  }
  return -1;
}

/** Index just past the comment marker if the line is a single-line comment, else -1. */
function commentMarkerEnd(
  text: string,
  start: number,
  end: number,
  markers: readonly string[],
): number {
  let i = start;
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  for (const marker of markers) {
    if (i + marker.length <= end && text.startsWith(marker, i)) return i + marker.length;
  }
  return -1;
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/** Ruby's `strip` set: space, \t \n \v \f \r and NUL. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0;
}
