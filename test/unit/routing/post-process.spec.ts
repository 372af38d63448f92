import { resolveLanguage } from '../../../src/routing/languages.constants';
import {
  cutAtStopTokens,
  isCommentOnly,
  postProcessCompletion,
  postProcessText,
} from '../../../src/routing/post-process';
import type { ModelSpec, PostProcessStep } from '../../../src/routing/routing.types';

const spec = (steps: PostProcessStep[], stopTokens: string[] = []): ModelSpec => ({
  key: 'm',
  provider: 'p',
  name: 'n',
  promptVersion: 1,
  promptFormat: 'none',
  stopTokens,
  postProcessing: steps,
  maxInputChars: 50_000,
});

const PY = resolveLanguage('a.py');
const JS = resolveLanguage('a.js');
const UNKNOWN = resolveLanguage('Dockerfile');
const ALL: PostProcessStep[] = [
  'cut_at_stop_tokens',
  'drop_comment_only',
  'trim_trailing_whitespace',
];
const CODESTRAL_STOPS = ['\n\n', '\n+++++', '[PREFIX]', '</s>[SUFFIX]', '[MIDDLE]'];

describe('postProcessText', () => {
  it.each<[string, string, PostProcessStep[], string[], typeof PY, string]>([
    ['no steps: unchanged', 'x = 1  \n', [], [], PY, 'x = 1  \n'],
    [
      'cut at the earliest stop token',
      'a = 1[MIDDLE]b\n\nc',
      ['cut_at_stop_tokens'],
      CODESTRAL_STOPS,
      PY,
      'a = 1',
    ],
    [
      'cut: no token found',
      'a = 1\nb = 2',
      ['cut_at_stop_tokens'],
      CODESTRAL_STOPS,
      PY,
      'a = 1\nb = 2',
    ],
    [
      'cut: token at the start empties the text',
      '\n\nfoo()',
      ['cut_at_stop_tokens'],
      CODESTRAL_STOPS,
      PY,
      '',
    ],
    [
      'trim trailing whitespace',
      'return a + b\n\n  \t',
      ['trim_trailing_whitespace'],
      [],
      PY,
      'return a + b',
    ],
    [
      'trim keeps leading whitespace',
      '\n    return a',
      ['trim_trailing_whitespace'],
      [],
      PY,
      '\n    return a',
    ],
    [
      'python comment-only dropped',
      '# add the numbers\n# and return\n',
      ['drop_comment_only'],
      [],
      PY,
      '',
    ],
    [
      'python code with a comment kept',
      '# add\nreturn a + b',
      ['drop_comment_only'],
      [],
      PY,
      '# add\nreturn a + b',
    ],
    ['js line comment dropped', '  // TODO: later', ['drop_comment_only'], [], JS, ''],
    [
      'js block comment dropped',
      '/* helper\n * more */\n// end',
      ['drop_comment_only'],
      [],
      JS,
      '',
    ],
    [
      'js unclosed block comment dropped',
      '/** Adds two numbers\n * @param a',
      ['drop_comment_only'],
      [],
      JS,
      '',
    ],
    [
      'js code after a block comment kept',
      '/* sum */ return a + b;',
      ['drop_comment_only'],
      [],
      JS,
      '/* sum */ return a + b;',
    ],
    [
      '# is not a js comment',
      '#!/usr/bin/env node',
      ['drop_comment_only'],
      [],
      JS,
      '#!/usr/bin/env node',
    ],
    [
      'unknown language never judged',
      '# a comment',
      ['drop_comment_only'],
      [],
      UNKNOWN,
      '# a comment',
    ],
    ['whitespace only is not comment-only', '\n  \n', ['drop_comment_only'], [], PY, '\n  \n'],
    [
      'cut runs first, then the comment check, then trim',
      '# note\n\nreal_code()',
      ALL,
      CODESTRAL_STOPS,
      PY,
      '',
    ],
    [
      'all steps on good code',
      'return a + b   \n[PREFIX]junk',
      ALL,
      CODESTRAL_STOPS,
      PY,
      'return a + b',
    ],
  ])('%s', (_name, text, steps, stops, language, expected) => {
    expect(postProcessText(text, spec(steps, stops), language)).toBe(expected);
  });

  it('cutAtStopTokens and isCommentOnly are usable alone', () => {
    expect(cutAtStopTokens('abc', [])).toBe('abc');
    expect(isCommentOnly('-- pick the rows', resolveLanguage('q.sql'))).toBe(true);
  });
});

describe('postProcessCompletion', () => {
  const model = spec(ALL, CODESTRAL_STOPS);

  it('rewrites choices[].text and keeps everything else', () => {
    const body = {
      id: 'id-1',
      model: { engine: 'vertex-ai', name: 'codestral@2405', lang: 'python' },
      object: 'text_completion',
      created: 1,
      choices: [
        { text: 'return a + b\n\nprint()', index: 0, finish_reason: 'length' },
        { text: '# only a comment', index: 1, finish_reason: 'stop' },
      ],
      experiments: [],
    };
    expect(postProcessCompletion(body, model, PY)).toEqual({
      ...body,
      choices: [
        { text: 'return a + b', index: 0, finish_reason: 'length' },
        { text: '', index: 1, finish_reason: 'stop' },
      ],
    });
    expect(body.choices[0].text).toBe('return a + b\n\nprint()'); // input untouched
  });

  it('passes other shapes through', () => {
    expect(postProcessCompletion('text', model, PY)).toBe('text');
    expect(postProcessCompletion({ detail: 'Inference failed' }, model, PY)).toEqual({
      detail: 'Inference failed',
    });
    const noSteps = { choices: [{ text: 'x  ' }] };
    expect(postProcessCompletion(noSteps, spec([]), PY)).toBe(noSteps);
  });
});
