/** Use cases as the AIGW names them in validation messages (`KindUseCase`). */
export type UseCase = 'code completions' | 'code generations';

/** The model that serves a request: `gitlab` + a catalogue identifier, or a legacy pair. */
export interface ResolvedModel {
  provider: string;
  name: string;
}

const LANGUAGES: Record<string, string> = {
  c: 'c',
  h: 'c',
  cc: 'cpp',
  cpp: 'cpp',
  hpp: 'cpp',
  cs: 'csharp',
  go: 'go',
  java: 'java',
  js: 'js',
  jsx: 'js',
  mjs: 'js',
  cjs: 'js',
  kt: 'kotlin',
  php: 'php',
  py: 'python',
  rb: 'ruby',
  rs: 'rust',
  scala: 'scala',
  sh: 'shell',
  sql: 'sql',
  swift: 'swift',
  ts: 'typescript',
  tsx: 'typescript',
  vue: 'vue',
};

/** Language of a file name, lower-case (the AIGW's `lang_from_filename`), or `''`. */
export function langFromFileName(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  if (dot < 0) return '';
  return LANGUAGES[fileName.slice(dot + 1).toLowerCase()] ?? '';
}
