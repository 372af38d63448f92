/** Use cases as the AIGW names them in validation messages (`KindUseCase`). */
export type UseCase = 'code completions' | 'code generations';

export interface ModelSpec {
  /** `model_provider` / `model_metadata.provider`, e.g. `vertex-ai`. */
  provider: string;
  /** `model_name` / `model_metadata.name`, e.g. `code-gecko@002`. */
  name: string;
  /** Use cases the model may serve; default both. */
  useCases?: UseCase[];
}

export interface ResolvedModel {
  provider: string;
  name: string;
}

const BOTH: UseCase[] = ['code completions', 'code generations'];

/** Models the stub accepts out of the box. Extend per instance with `extraModels`. */
export const KNOWN_MODELS: readonly ModelSpec[] = Object.freeze([
  { provider: 'vertex-ai', name: 'code-gecko@002', useCases: ['code completions'] },
  { provider: 'vertex-ai', name: 'codestral@2405', useCases: BOTH },
  { provider: 'vertex-ai', name: 'code-bison@002', useCases: ['code generations'] },
  { provider: 'anthropic', name: 'claude-3-5-sonnet-20240620', useCases: BOTH },
  { provider: 'anthropic', name: 'claude-3-haiku-20240307', useCases: BOTH },
  { provider: 'anthropic', name: 'claude-sonnet-4-20250514', useCases: BOTH },
  { provider: 'fireworks_ai', name: 'qwen2p5-coder-7b', useCases: BOTH },
  { provider: 'fireworks_ai', name: 'codestral-2501', useCases: BOTH },
]);

/** `/v2/code/completions` without `model_provider`: the legacy Vertex model. */
export const DEFAULT_V2_MODEL: ResolvedModel = { provider: 'vertex-ai', name: 'code-gecko@002' };
/** `/v3`, `/v4` completion component without `model_metadata`. */
export const DEFAULT_COMPLETION_MODEL: ResolvedModel = {
  provider: 'vertex-ai',
  name: 'codestral@2405',
};
/** `/v3`, `/v4` generation component without `model_metadata`. */
export const DEFAULT_GENERATION_MODEL: ResolvedModel = {
  provider: 'anthropic',
  name: 'claude-3-5-sonnet-20240620',
};

export class ModelCatalog {
  private readonly models: ModelSpec[];

  constructor(extra: readonly ModelSpec[] = []) {
    this.models = [...KNOWN_MODELS, ...extra];
  }

  providers(): string[] {
    return [...new Set(this.models.map((m) => m.provider))];
  }

  hasProvider(provider: string): boolean {
    return this.models.some((m) => m.provider === provider);
  }

  supports(provider: string, name: string, useCase: UseCase): boolean {
    return this.models.some(
      (m) => m.provider === provider && m.name === name && (m.useCases ?? BOTH).includes(useCase),
    );
  }

  /** First model of a provider for a use case (used when only the provider is given). */
  firstFor(provider: string, useCase: UseCase): ResolvedModel | undefined {
    const m = this.models.find(
      (x) => x.provider === provider && (x.useCases ?? BOTH).includes(useCase),
    );
    return m ? { provider: m.provider, name: m.name } : undefined;
  }
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
