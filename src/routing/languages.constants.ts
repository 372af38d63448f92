/**
 * Programming languages as GitLab's code suggestions know them: display name (sent upstream as
 * `language_identifier` for generations), file extensions, and comment syntax. Extensions and
 * single-line markers follow GitLab's `CodeSuggestions::ProgrammingLanguage`; block comments are
 * used only by post-processing. Deviations, each on purpose: `.toml` is TOML (`#`), not Rust;
 * HTML/XML comments start with `<!--`; unknown languages use `//`, `#`, `--` at the line start only.
 */

export interface LanguageSyntax {
  /** GitLab's display name (`Python`); `''` when unknown. */
  readonly name: string;
  readonly known: boolean;
  /** Single-line comment markers, matched at the start of a line after blanks. */
  readonly lineComments: readonly string[];
  readonly blockComments: ReadonlyArray<readonly [open: string, close: string]>;
}

interface LanguageEntry {
  name: string;
  extensions: string[];
  /** Editor language ids (VS Code `languageId` and friends), lower case. */
  ids: string[];
  line: string[];
  block?: Array<[string, string]>;
}

const C_BLOCK: Array<[string, string]> = [['/*', '*/']];
const SLASHES = ['//'];

const ENTRIES: LanguageEntry[] = [
  { name: 'C', extensions: ['c', 'h'], ids: ['c'], line: SLASHES, block: C_BLOCK },
  {
    name: 'C++',
    extensions: ['cc', 'cpp', 'cxx', 'hpp', 'hh'],
    ids: ['cpp', 'c++', 'cuda-cpp'],
    line: SLASHES,
    block: C_BLOCK,
  },
  { name: 'C#', extensions: ['cs', 'csx'], ids: ['csharp', 'c#'], line: SLASHES, block: C_BLOCK },
  { name: 'Clojure', extensions: ['clj', 'cljs', 'cljc', 'edn'], ids: ['clojure'], line: [';'] },
  { name: 'Dart', extensions: ['dart'], ids: ['dart'], line: SLASHES, block: C_BLOCK },
  { name: 'Elixir', extensions: ['ex', 'exs'], ids: ['elixir'], line: ['#'] },
  { name: 'Erlang', extensions: ['erl', 'hrl'], ids: ['erlang'], line: ['%'] },
  {
    name: 'Fortran',
    extensions: ['f', 'f90', 'f95', 'f03', 'f08'],
    ids: ['fortran', 'fortran-modern', 'fortranfreeform'],
    line: ['!'],
  },
  { name: 'Go', extensions: ['go'], ids: ['go', 'golang'], line: SLASHES, block: C_BLOCK },
  {
    name: 'SQL',
    extensions: ['sql', 'ddl', 'dml'],
    ids: ['sql', 'plsql', 'mysql', 'postgres'],
    line: ['--'],
    block: C_BLOCK,
  },
  {
    name: 'Groovy',
    extensions: ['groovy', 'gvy', 'gy', 'gsh'],
    ids: ['groovy'],
    line: SLASHES,
    block: C_BLOCK,
  },
  {
    name: 'Haskell',
    extensions: ['hs', 'lhs'],
    ids: ['haskell'],
    line: ['--'],
    block: [['{-', '-}']],
  },
  {
    name: 'HTML',
    extensions: ['html', 'htm', 'xhtml'],
    ids: ['html'],
    line: ['<!--'],
    block: [['<!--', '-->']],
  },
  { name: 'Java', extensions: ['java'], ids: ['java'], line: SLASHES, block: C_BLOCK },
  {
    name: 'JavaScript',
    extensions: ['js', 'mjs', 'cjs', 'jsx', 'vue'],
    ids: ['javascript', 'javascriptreact', 'vue'],
    line: SLASHES,
    block: C_BLOCK,
  },
  {
    name: 'Kotlin',
    extensions: ['kt', 'kts', 'ktm'],
    ids: ['kotlin'],
    line: SLASHES,
    block: C_BLOCK,
  },
  {
    name: 'Lean',
    extensions: ['lean', 'hlean'],
    ids: ['lean', 'lean4'],
    line: ['--'],
    block: [['/-', '-/']],
  },
  {
    name: 'Objective-C',
    extensions: ['m', 'mm'],
    ids: ['objective-c', 'objective-cpp'],
    line: SLASHES,
    block: C_BLOCK,
  },
  { name: 'OCaml', extensions: ['ml', 'mli'], ids: ['ocaml'], line: [], block: [['(*', '*)']] },
  {
    name: 'Perl',
    extensions: ['pl', 'pm', 'pod', 't'],
    ids: ['perl', 'perl6', 'raku'],
    line: ['#'],
  },
  {
    name: 'PHP',
    extensions: ['php', 'phtml', 'php3', 'php4', 'php5', 'php7', 'phps'],
    ids: ['php'],
    line: SLASHES,
    block: C_BLOCK,
  },
  {
    name: 'Python',
    extensions: ['py', 'ipynb', 'pyw', 'pyc', 'pyo'],
    ids: ['python'],
    line: ['#'],
  },
  { name: 'Ruby', extensions: ['rb', 'erb', 'rake'], ids: ['ruby'], line: ['#'] },
  { name: 'Rust', extensions: ['rs'], ids: ['rust'], line: SLASHES, block: C_BLOCK },
  {
    name: 'Scala',
    extensions: ['scala', 'sc', 'sbt'],
    ids: ['scala'],
    line: SLASHES,
    block: C_BLOCK,
  },
  {
    name: 'Shell',
    extensions: ['sh', 'bash', 'zsh', 'ksh', 'fish'],
    ids: ['shellscript', 'shell', 'bash', 'sh', 'zsh', 'fish'],
    line: ['#'],
  },
  { name: 'Solidity', extensions: ['sol'], ids: ['solidity'], line: SLASHES, block: C_BLOCK },
  { name: 'Swift', extensions: ['swift'], ids: ['swift'], line: SLASHES, block: C_BLOCK },
  {
    name: 'TypeScript',
    extensions: ['ts', 'tsx', 'mts', 'cts'],
    ids: ['typescript', 'typescriptreact'],
    line: SLASHES,
    block: C_BLOCK,
  },
  { name: 'VBScript', extensions: ['vb', 'vbs'], ids: ['vb', 'vbscript'], line: ["'", 'REM'] },
  {
    name: 'Verilog',
    extensions: ['v', 'sv', 'svh'],
    ids: ['verilog', 'systemverilog'],
    line: SLASHES,
    block: C_BLOCK,
  },
  {
    name: 'XML',
    extensions: ['xml', 'xsd', 'xsl'],
    ids: ['xml', 'xsl'],
    line: ['<!--'],
    block: [['<!--', '-->']],
  },
  { name: 'TOML', extensions: ['toml'], ids: ['toml'], line: ['#'] },
];

export const UNKNOWN_LANGUAGE: LanguageSyntax = Object.freeze({
  name: '',
  known: false,
  lineComments: Object.freeze(['//', '#', '--']),
  blockComments: Object.freeze([]),
});

const BY_ID = new Map<string, LanguageSyntax>();
const BY_EXTENSION = new Map<string, LanguageSyntax>();

for (const e of ENTRIES) {
  const syntax: LanguageSyntax = Object.freeze({
    name: e.name,
    known: true,
    lineComments: Object.freeze([...e.line]),
    blockComments: Object.freeze((e.block ?? []).map((b) => Object.freeze([b[0], b[1]] as const))),
  });
  BY_ID.set(e.name.toLowerCase(), syntax);
  for (const id of e.ids) BY_ID.set(id, syntax);
  for (const ext of e.extensions) BY_EXTENSION.set(ext, syntax);
}

/**
 * The language of a file: the editor's `language_identifier` when it names a known language,
 * else the file extension (case-insensitive), else {@link UNKNOWN_LANGUAGE}.
 */
export function resolveLanguage(fileName: string, languageIdentifier?: string): LanguageSyntax {
  if (languageIdentifier) {
    const byId = BY_ID.get(languageIdentifier.toLowerCase());
    if (byId) return byId;
  }
  const ext = extensionOf(fileName);
  return (ext && BY_EXTENSION.get(ext)) || UNKNOWN_LANGUAGE;
}

/** Lower-case extension without the dot; `''` for none and for dot files (`.bashrc`). */
export function extensionOf(fileName: string): string {
  const slash = Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\'));
  const dot = fileName.lastIndexOf('.');
  if (dot <= slash + 1) return '';
  return fileName.slice(dot + 1).toLowerCase();
}
