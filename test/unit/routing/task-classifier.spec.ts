import { extensionOf, resolveLanguage } from '../../../src/routing/languages.constants';
import { classifyTask } from '../../../src/routing/task-classifier';
import type { RoutingRequest } from '../../../src/routing/routing.types';

type Input = Parameters<typeof classifyTask>[0];
const req = (over: Partial<RoutingRequest>): Input => ({
  contentAboveCursor: '',
  fileName: 'main.py',
  ...over,
});

describe('classifyTask: order of the triggers', () => {
  const comment = '# create a function that adds two numbers\n';
  it.each<[string, Partial<RoutingRequest>, string, string | undefined, string]>([
    [
      'intent=completion wins over everything',
      {
        intent: 'completion',
        userInstruction: 'x',
        generationType: 'small_file',
        contentAboveCursor: comment,
      },
      'completion',
      undefined,
      'intent_completion',
    ],
    [
      'user_instruction → generation (no trigger type)',
      { userInstruction: 'write a parser', generationType: 'comment' },
      'generation',
      undefined,
      'user_instruction',
    ],
    [
      'blank user_instruction is not given',
      { userInstruction: '  \n ' },
      'completion',
      undefined,
      'no_trigger',
    ],
    [
      'generation_type → generation with that type',
      { generationType: 'empty_function' },
      'generation',
      'empty_function',
      'generation_type',
    ],
    [
      'generation_type small_file',
      { generationType: 'small_file' },
      'generation',
      'small_file',
      'generation_type',
    ],
    [
      'intent=generation → generation, comment trigger',
      { intent: 'generation' },
      'generation',
      'comment',
      'intent_generation',
    ],
    [
      'trailing comment → generation',
      { contentAboveCursor: comment },
      'generation',
      'comment',
      'trailing_comment',
    ],
    [
      'nothing → completion',
      { contentAboveCursor: 'x = 1\n' },
      'completion',
      undefined,
      'no_trigger',
    ],
  ])('%s', (_name, over, task, type, reason) => {
    const c = classifyTask(req(over));
    expect(c.task).toBe(task);
    expect(c.generationType).toBe(type);
    expect(c.reason).toBe(reason);
  });
});

describe('classifyTask: the single-line comment rule', () => {
  const gen = 'generation';
  const comp = 'completion';
  it.each<[string, string, string, string | undefined, string]>([
    // language by extension
    ['python comment', 'main.py', '# Generate me a function\n', undefined, gen],
    ['python comment, no marker space', 'main.py', '#Generate me a function', undefined, gen],
    [
      'python comment without final newline',
      'main.py',
      'import os\n# list the files in a folder',
      undefined,
      gen,
    ],
    ['indented comment', 'main.py', 'def f():\n    # return the sum of the list\n', undefined, gen],
    ['too short: 9 characters after the marker', 'main.py', '# Generate\n', undefined, comp],
    ['exactly 10 characters after the marker', 'main.py', '# 123456789\n', undefined, gen],
    ['trailing blanks count (GitLab: [^\\r\\n]{10,})', 'main.py', '# abc      \n', undefined, gen],
    ['CRLF line ends', 'main.py', 'x = 1\r\n# Generate me a function\r\n', undefined, gen],
    ['CR does not count toward the length', 'main.py', '# 12345678\r\n', undefined, comp],
    [
      'one blank line under the comment is skipped',
      'main.py',
      '# Generate me a function\n\n',
      undefined,
      gen,
    ],
    [
      'an indented empty line under the comment is skipped',
      'main.py',
      '# Generate me a function\n    ',
      undefined,
      gen,
    ],
    [
      'two blank lines under the comment: completion',
      'main.py',
      '# Generate me a function\n\n\n',
      undefined,
      comp,
    ],
    [
      'code after the comment: completion',
      'main.py',
      '# Generate me a function\nother_code()\n',
      undefined,
      comp,
    ],
    [
      'multi-line comment, first line long enough',
      'main.py',
      'x()\n\n# Generate me a function\n# with 2 arguments\n# a and b\n',
      undefined,
      gen,
    ],
    [
      'multi-line comment, first line too short',
      'main.py',
      'x()\n# Generate\n# me a function with 2 arguments\n',
      undefined,
      comp,
    ],
    [
      'only the trailing block counts',
      'main.py',
      '# a long comment up here\ncode()\n\n# Generate\n',
      undefined,
      comp,
    ],
    [
      'a blank line splits blocks',
      'main.py',
      '# Generate me a function\n\n# short\n',
      undefined,
      comp,
    ],
    [
      'comment after code on the same line: completion',
      'main.js',
      'foo(); // call the function now\n',
      undefined,
      comp,
    ],
    [
      'javascript // comment',
      'app.js',
      'const a = 1;\n// fetch the users from the api\n',
      undefined,
      gen,
    ],
    [
      'javascript does not treat # as a comment',
      'app.js',
      '# fetch the users from the api\n',
      undefined,
      comp,
    ],
    [
      'go comment',
      'main.go',
      'package main\n\n// read the config file from disk\n',
      undefined,
      gen,
    ],
    ['typescript doc-style ///', 'a.ts', '/// parse the header of the request\n', undefined, gen],
    ['ruby comment', 'app.rb', '# memoize the expensive lookup here\n', undefined, gen],
    ['sql -- comment', 'q.sql', '-- select all users by their id\n', undefined, gen],
    ['haskell -- comment', 'm.hs', '-- fold the list into a map\n', undefined, gen],
    ['erlang % comment', 'm.erl', '% spawn a worker per request\n', undefined, gen],
    ['clojure ; comment', 'core.clj', '; reduce the vector into a map\n', undefined, gen],
    ['fortran ! comment', 'p.f90', '! compute the matrix product\n', undefined, gen],
    ['vbscript apostrophe', 'a.vbs', "' Generate me a function\n", undefined, gen],
    ['vbscript REM', 'a.vbs', 'REM Generate me a function\n', undefined, gen],
    ['html comment', 'i.html', '<div>\n<!-- a table of all the users -->\n', undefined, gen],
    [
      'ocaml has no single-line comments',
      'm.ml',
      '(* fold the list into a map *)\n',
      undefined,
      comp,
    ],
    ['toml is not rust', 'Cargo.toml', '# add the serde dependency here\n', undefined, gen],
    // language by identifier, then extension, then the defaults
    [
      'language_identifier beats the extension',
      'query.txt',
      '-- select all users by their id\n',
      'sql',
      gen,
    ],
    [
      'language_identifier for a file without extension',
      'script',
      '# download the release archive\n',
      'shellscript',
      gen,
    ],
    [
      'unknown language_identifier falls back to the extension',
      'main.py',
      '# Generate me a function\n',
      'plaintext',
      gen,
    ],
    [
      'unknown language: # at line start',
      'Dockerfile',
      '# install the build dependencies\n',
      undefined,
      gen,
    ],
    [
      'unknown language: -- at line start',
      'notes',
      '-- summarize the table below\n',
      undefined,
      gen,
    ],
    [
      'unknown language: // at line start',
      'x.unknown',
      '// summarize the table below\n',
      undefined,
      gen,
    ],
    [
      'unknown language: marker mid-line is code',
      'Dockerfile',
      'RUN make # build everything here\n',
      undefined,
      comp,
    ],
    ['empty content', 'main.py', '', undefined, comp],
    ['only newlines', 'main.py', '\n\n', undefined, comp],
  ])('%s', (_name, fileName, above, languageIdentifier, expected) => {
    expect(classifyTask({ fileName, contentAboveCursor: above, languageIdentifier }).task).toBe(
      expected,
    );
  });

  it('handles a large file with a trailing comment', () => {
    const above = 'x = 1\n'.repeat(60_000) + '# Generate me a function\n';
    expect(classifyTask({ fileName: 'main.py', contentAboveCursor: above }).task).toBe(
      'generation',
    );
  });
});

describe('languages', () => {
  it.each([
    ['main.py', 'py'],
    ['dir.v2/Makefile', ''],
    ['.bashrc', ''],
    ['a/b/C.TSX', 'tsx'],
    ['C:\\src\\x.cs', 'cs'],
    ['file.', ''],
  ])('extension of %s is "%s"', (file, ext) => expect(extensionOf(file)).toBe(ext));

  it('resolves display names GitLab sends upstream', () => {
    expect(resolveLanguage('a.tsx').name).toBe('TypeScript');
    expect(resolveLanguage('a.vue').name).toBe('JavaScript');
    expect(resolveLanguage('x', 'csharp').name).toBe('C#');
    expect(resolveLanguage('x.zzz')).toMatchObject({ name: '', known: false });
  });
});
