import type { LanguageSyntax } from './languages.constants';
import { firstChars, lastChars } from './task-classifier';

/** A v2 `prompt_version: 3` message. */
export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface FimParts {
  fileName: string;
  above: string;
  below: string;
  language: LanguageSyntax;
  /** Characters for above + below together; above is kept first (GitLab's budget rule). */
  maxInputChars: number;
}

/** Cuts to the budget: the last part of above first, then as much of below as still fits. */
export function budget(parts: FimParts): { above: string; below: string } {
  const above = lastChars(parts.above, parts.maxInputChars);
  const below = firstChars(parts.below, parts.maxInputChars - above.length);
  return { above, below };
}

/**
 * Codestral fill-in-the-middle as the AIGW formats it: suffix first, then prefix, then the
 * middle marker where the model continues.
 */
export function codestralFimPrompt(parts: FimParts): string {
  const { above, below } = budget(parts);
  return `</s>[SUFFIX]${below}[PREFIX]${above}[MIDDLE]`;
}

/**
 * Fill-in-the-middle for a chat model (GitLab's backup completion prompt has this shape: a system
 * message with rules, a user message holding the code around the cursor in tags). The wording is
 * ours. The suffix comes first so the text ends where the insertion begins. GitLab's version puts
 * the text above the cursor in the <SUFFIX> tag; we label it <PREFIX>, which is what it is.
 */
export function anthropicFimMessages(parts: FimParts): PromptMessage[] {
  const { above, below } = budget(parts);
  const lang = parts.language.name ? `${parts.language.name} ` : '';
  const system = [
    `You fill in missing ${lang}code at the cursor in the file '${parts.fileName}'.`,
    'The user message gives the code after the cursor in <SUFFIX> tags and the code before it in <PREFIX> tags.',
    'Answer with only the code that goes between them, so that prefix + answer + suffix is valid code.',
    'No explanations, no comments about the task, no markdown fences.',
    'Never repeat or change code from the prefix or the suffix.',
    'If nothing sensible fits, answer with an empty message.',
  ].join('\n');
  const user = `<SUFFIX>\n${below}\n</SUFFIX>\n<PREFIX>\n${above}\n</PREFIX>`;
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}
